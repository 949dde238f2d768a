/**
 * Azure DevOps service hook payloads as Microsoft documents them (MicrosoftDocs/azure-devops-docs,
 * docs/service-hooks/events.md: "Sample payload" of each event; `workitem.updated` from the 2016 revision of the page,
 * since the current one shows a `git.push` payload under that heading; the pull request comment event from the 2024
 * revision). `resource` is as published; the `message` and `detailedMessage` blocks are left out (patrol does not read
 * them). Each call returns a fresh copy to modify.
 *
 * @example
 * const event = azureHookSample('workitem.commented')
 * event.resource.fields['System.History'] = `<div>try ${token}</div>`
 */

const CONTAINERS = {
  collection: { id: 'c12d0eb8-e382-443b-9f9c-c52cba5014c2' },
  account: { id: 'f844ec47-a9db-4511-8281-8b63f4eaf94e' },
  project: { id: 'be9b3917-87e6-42a4-a549-2bc06a7a878f' },
}

const WORK_ITEM_FIELDS = {
  'System.AreaPath': 'FabrikamCloud',
  'System.TeamProject': 'FabrikamCloud',
  'System.IterationPath': 'FabrikamCloud\\Release 1\\Sprint 1',
  'System.WorkItemType': 'Bug',
  'System.State': 'New',
  'System.Reason': 'New defect reported',
  'System.CreatedDate': '2014-07-15T17:42:44.663Z',
  'System.CreatedBy': 'Jamal Hartnett',
  'System.ChangedDate': '2014-07-15T17:42:44.663Z',
  'System.ChangedBy': 'Jamal Hartnett',
  'System.Title': 'Some great new idea!',
  'Microsoft.Azure DevOps Services.Common.Severity': '3 - Medium',
  'WEF_EB329F44FE5F4A94ACB1DA153FDF38BA_Kanban.Column': 'New',
}

const WORK_ITEM_LINKS = {
  self: { href: 'https://dev.azure.com/fabrikam-fiber-inc/DefaultCollection/_apis/wit/workItems/5' },
  workItemUpdates: { href: 'https://dev.azure.com/fabrikam-fiber-inc/DefaultCollection/_apis/wit/workItems/5/updates' },
  workItemRevisions: {
    href: 'https://dev.azure.com/fabrikam-fiber-inc/DefaultCollection/_apis/wit/workItems/5/revisions',
  },
  workItemType: {
    href: 'https://dev.azure.com/fabrikam-fiber-inc/DefaultCollection/_apis/wit/ea830882-2a3c-4095-a53f-972f9a376f6e/workItemTypes/Bug',
  },
  fields: { href: 'https://dev.azure.com/fabrikam-fiber-inc/DefaultCollection/_apis/wit/fields' },
}

const PR_REPOSITORY = {
  id: '4bc14d40-c903-45e2-872e-0462c7748079',
  name: 'Fabrikam',
  url: 'https://dev.azure.com/fabrikam/DefaultCollection/_apis/repos/git/repositories/4bc14d40-c903-45e2-872e-0462c7748079',
  project: {
    id: '6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c',
    name: 'Fabrikam',
    url: 'https://dev.azure.com/fabrikam/DefaultCollection/_apis/projects/6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c',
    state: 'wellFormed',
  },
  defaultBranch: 'refs/heads/master',
  remoteUrl: 'https://dev.azure.com/fabrikam/DefaultCollection/_git/Fabrikam',
}

const commit = (id: string) => ({
  commitId: id,
  url: `https://dev.azure.com/fabrikam/DefaultCollection/_apis/repos/git/repositories/4bc14d40-c903-45e2-872e-0462c7748079/commits/${id}`,
})

const PULL_REQUEST = {
  repository: PR_REPOSITORY,
  pullRequestId: 1,
  status: 'active',
  createdBy: {
    id: '54d125f7-69f7-4191-904f-c5b96b6261c8',
    displayName: 'Jamal Hartnett',
    uniqueName: 'fabrikamfiber4@hotmail.com',
    url: 'https://vssps.dev.azure.com/fabrikam/_apis/Identities/54d125f7-69f7-4191-904f-c5b96b6261c8',
    imageUrl:
      'https://dev.azure.com/fabrikam/DefaultCollection/_api/_common/identityImage?id=54d125f7-69f7-4191-904f-c5b96b6261c8',
  },
  creationDate: '2014-06-17T16:55:46.589889Z',
  title: 'my first pull request',
  description: ' - test2\r\n',
  sourceRefName: 'refs/heads/mytopic',
  targetRefName: 'refs/heads/master',
  mergeStatus: 'succeeded',
  mergeId: 'a10bb228-6ba6-4362-abd7-49ea21333dbd',
  lastMergeSourceCommit: commit('53d54ac915144006c2c9e90d2c7d3880920db49c'),
  lastMergeTargetCommit: commit('a511f535b1ea495ee0c903badb68fbc83772c882'),
  lastMergeCommit: commit('eef717f69257a6333f221566c1c987dc94cc0d72'),
  reviewers: [
    {
      reviewerUrl: null,
      vote: 0,
      id: '2ea2d095-48f9-4cd6-9966-62f6f574096c',
      displayName: '[Mobile]\\Mobile Team',
      uniqueName: 'vstfs:///Classification/TeamProject/f0811a3b-8c8a-4e43-a3bf-9a049b4835bd\\Mobile Team',
      url: 'https://vssps.dev.azure.com/fabrikam/_apis/Identities/2ea2d095-48f9-4cd6-9966-62f6f574096c',
      imageUrl:
        'https://dev.azure.com/fabrikam/DefaultCollection/_api/_common/identityImage?id=2ea2d095-48f9-4cd6-9966-62f6f574096c',
      isContainer: true,
    },
  ],
  url: 'https://dev.azure.com/fabrikam/DefaultCollection/_apis/repos/git/repositories/4bc14d40-c903-45e2-872e-0462c7748079/pullRequests/1',
}

const ZERO = '00000000-0000-0000-0000-000000000000'
const SAMPLES = {
  'workitem.created': {
    id: 'd2d46fb1-dba5-403c-9373-427583f19e8c',
    eventType: 'workitem.created',
    publisherId: 'tfs',
    scope: 'all',
    resource: {
      id: 5,
      rev: 1,
      fields: WORK_ITEM_FIELDS,
      _links: WORK_ITEM_LINKS,
      url: 'https://dev.azure.com/fabrikam-fiber-inc/DefaultCollection/_apis/wit/workItems/5',
    },
    resourceVersion: '1.0',
    resourceContainers: CONTAINERS,
    createdDate: '2016-09-19T13:03:29.7688022Z',
  },
  'workitem.updated': {
    id: '27646e0e-b520-4d2b-9411-bba7524947cd',
    eventType: 'workitem.updated',
    publisherId: 'tfs',
    scope: 'all',
    resource: {
      id: 2,
      workItemId: 0,
      rev: 2,
      revisedBy: null,
      revisedDate: '0001-01-01T00:00:00',
      fields: {
        'System.Rev': { oldValue: '1', newValue: '2' },
        'System.AuthorizedDate': { oldValue: '2014-07-15T16:48:44.663Z', newValue: '2014-07-15T17:42:44.663Z' },
        'System.RevisedDate': { oldValue: '2014-07-15T17:42:44.663Z', newValue: '9999-01-01T00:00:00Z' },
        'System.State': { oldValue: 'New', newValue: 'Approved' },
        'System.Reason': { oldValue: 'New defect reported', newValue: 'Approved by the Product Owner' },
        'System.AssignedTo': { newValue: 'Jamal Hartnet' },
        'System.ChangedDate': { oldValue: '2014-07-15T16:48:44.663Z', newValue: '2014-07-15T17:42:44.663Z' },
        'System.Watermark': { oldValue: '2', newValue: '5' },
        'Microsoft.Azure DevOps Services.Common.Severity': { oldValue: '3 - Medium', newValue: '2 - High' },
      } as Record<string, { oldValue?: string; newValue?: string }>,
      _links: {
        self: { href: 'http://dev.azure.com/fabrikam-fiber-inc/DefaultCollection/_apis/wit/workItems/5/updates/2' },
        parent: { href: 'http://dev.azure.com/fabrikam-fiber-inc/DefaultCollection/_apis/wit/workItems/5' },
        workItemUpdates: {
          href: 'http://dev.azure.com/fabrikam-fiber-inc/DefaultCollection/_apis/wit/workItems/5/updates',
        },
      },
      url: 'http://dev.azure.com/fabrikam-fiber-inc/DefaultCollection/_apis/wit/workItems/5/updates/2',
      revision: {
        id: 5,
        rev: 2,
        fields: {
          ...WORK_ITEM_FIELDS,
          'System.CreatedDate': '2014-07-15T16:48:44.663Z',
          'System.ChangedDate': '2014-07-15T16:48:44.663Z',
        },
        url: 'http://dev.azure.com/fabrikam-fiber-inc/DefaultCollection/_apis/wit/workItems/5/revisions/2',
      },
    },
    resourceVersion: '1.0',
    resourceContainers: CONTAINERS,
    createdDate: '2016-09-19T13:03:30.6438544Z',
  },
  'workitem.commented': {
    id: 'fb2617ed-60df-4518-81fa-749faa6c5cd6',
    eventType: 'workitem.commented',
    publisherId: 'tfs',
    scope: 'all',
    resource: {
      id: 5,
      rev: 4,
      fields: { ...WORK_ITEM_FIELDS, 'System.History': 'This is a great new idea' } as Record<string, string>,
      _links: WORK_ITEM_LINKS,
      url: 'https://dev.azure.com/fabrikam-fiber-inc/DefaultCollection/_apis/wit/workItems/5',
    },
    resourceVersion: '1.0',
    resourceContainers: CONTAINERS,
    createdDate: '2016-09-19T13:03:28.9695265Z',
  },
  'git.pullrequest.created': {
    id: '2ab4e3d3-b7a6-425e-92b1-5a9982c1269e',
    eventType: 'git.pullrequest.created',
    publisherId: 'tfs',
    scope: 'all',
    resource: PULL_REQUEST,
    resourceVersion: '1.0',
    resourceContainers: CONTAINERS,
    createdDate: '2016-09-19T13:03:27.2879096Z',
  },
  'git.pullrequest.updated': {
    id: 'af07be1b-f3ad-44c8-a7f1-c4835f2df06b',
    eventType: 'git.pullrequest.updated',
    publisherId: 'tfs',
    scope: 'all',
    resource: {
      ...PULL_REQUEST,
      status: 'completed',
      closedDate: '2014-06-30T18:59:12.3660573Z',
      commits: [commit('53d54ac915144006c2c9e90d2c7d3880920db49c')],
    },
    resourceVersion: '1.0',
    resourceContainers: CONTAINERS,
    createdDate: '2016-09-19T13:03:27.2813828Z',
  },
  'ms.vss-code.git-pullrequest-comment-event': {
    id: `${ZERO}af07be1b-f3ad-44c8-a7f1-c4835f2df06b`,
    eventType: 'ms.vss-code.git-pullrequest-comment-event',
    publisherId: 'azure-devops',
    resource: {
      comment: {
        id: 2,
        parentCommentId: 1,
        author: {
          displayName: 'Jamal Hartnett',
          url: `https://fabrikam.vssps.visualstudio.com/_apis/Identities/${ZERO}`,
          id: `${ZERO}${ZERO}`,
          uniqueName: 'fabrikamfiber4@hotmail.com',
          imageUrl: `https://fabrikam.visualstudio.com/DefaultCollection/_api/_common/identityImage?id=${ZERO}`,
        },
        content: 'This is my comment.',
        publishedDate: '2024-06-17T11:22:33.456789Z',
        lastUpdatedDate: '2024-06-17T16:58:33.123889Z',
        lastContentUpdatedDate: '2024-06-17T16:58:33.123889Z',
        commentType: 'text',
        _links: {
          self: {
            href: `https://fabrikam.visualstudio.com/DefaultCollection/_apis/git/repositories/${ZERO}/pullRequests/1/threads/5/comments/2`,
          },
          repository: {
            href: `http://joscol2/DefaultCollection/ebed510c-62eb-474b-965f-fd151ebb82e4/_apis/git/repositories/${ZERO}`,
          },
          threads: {
            href: `https://fabrikam.visualstudio.com/DefaultCollection/_apis/git/repositories/${ZERO}/pullRequests/1/threads/5`,
          },
        },
      },
      pullRequest: {
        ...PULL_REQUEST,
        repository: {
          id: `${ZERO}${ZERO}`,
          name: 'Fabrikam',
          url: `https://fabrikam.visualstudio.com/DefaultCollection/_apis/git/repositories/${ZERO}`,
          project: {
            id: `${ZERO}abcd-1234-efgh-5678`,
            name: 'Fabrikam',
            url: 'https://fabrikam.visualstudio.com/DefaultCollection/_apis/projects/abcd-1234-efgh-5678',
            state: 'wellFormed',
            visibility: 'unchanged',
            lastUpdateTime: '0001-01-01T00:00:00',
          },
          defaultBranch: 'refs/heads/master',
          remoteUrl: 'https://fabrikam.visualstudio.com/DefaultCollection/_git/Fabrikam',
        },
        creationDate: '2024-06-17T11:22:33.456789Z',
        _links: {
          web: {
            href: 'https://fabrikam.visualstudio.com/DefaultCollection/_git/Fabrikam/pullrequest/1#view=discussion',
          },
        },
      },
    },
    resourceVersion: '2.0',
    resourceContainers: { collection: { id: ZERO }, account: { id: ZERO }, project: { id: ZERO } },
    createdDate: '2024-07-17T21:34:22.338Z',
  },
}

export type AzureHookEvent = keyof typeof SAMPLES

export function azureHookSample<E extends AzureHookEvent>(event: E): (typeof SAMPLES)[E] {
  return structuredClone(SAMPLES[event])
}
