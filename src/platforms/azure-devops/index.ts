/**
 * Azure DevOps (Services and Server) as a platform: its service hook, its source, its response (Token Admin
 * revocation, then confirmation) and its links, from AZURE_DEVOPS_* settings.
 *
 * @example
 * azureDevOps.source({ config, timing }) // AzureDevOpsSource, or undefined without AZURE_DEVOPS_ORG_URL and _TOKEN
 */
import { PLATFORM_LABELS } from '../ids.js'
import type { Platform } from '../platform.js'
import { AzureDevOpsSource } from './client.js'
import { AzureDevOpsIssuer } from './issuer.js'
import { azureDevOpsLinks } from './links.js'
import { azureDevOpsResponse } from './respond.js'
import { azureDevOpsWebhook } from './webhook.js'

export const azureDevOps: Platform = {
  id: 'azure-devops',
  label: PLATFORM_LABELS['azure-devops'],
  webhook: azureDevOpsWebhook,
  sourceSettings: 'AZURE_DEVOPS_ORG_URL and AZURE_DEVOPS_TOKEN',
  source({ config, fetch }) {
    const { orgUrl, token } = config.azureDevOps
    if (!orgUrl || !token) return undefined
    return new AzureDevOpsSource({
      orgUrl,
      token,
      apiVersion: config.azureDevOps.apiVersion,
      fetch,
      timeoutMs: config.remoteTimeoutMs,
    })
  },
  response(deps, { config, fetch, timing }) {
    const azure = config.azureDevOps
    return azureDevOpsResponse({
      ...deps,
      issuer: azure.orgUrl
        ? new AzureDevOpsIssuer({
            orgUrl: azure.orgUrl,
            adminToken: azure.adminToken,
            vsspsUrl: azure.vsspsUrl,
            policy: azure.revokePolicy,
            apiVersion: azure.apiVersion,
            tokenAdminApiVersion: azure.tokenAdminApiVersion,
            probeScopes: azure.probeScopes,
            fetch,
            timeoutMs: config.remoteTimeoutMs,
          })
        : undefined,
      policy: azure.revokePolicy,
      confirmDelaysMs: timing.confirmDelaysMs,
    })
  },
  links: (config) => azureDevOpsLinks(config.azureDevOps.orgUrl),
  advice: {
    auditLog:
      'Check the audit log for what the token did since the commit: Organization settings → Auditing (token use itself is not logged; look for unexpected changes by your account).',
    revokedThrough: 'through Azure DevOps Token Admin',
    afterRevocation: 'Azure DevOps can take up to an hour to enforce it.',
  },
}
