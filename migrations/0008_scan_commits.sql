CREATE TABLE `scan_commits` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`push_id` integer NOT NULL,
	`commit_sha` text NOT NULL,
	`bytes` integer NOT NULL,
	`files` integer NOT NULL,
	`findings` integer NOT NULL,
	`partial` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scan_commits_push_commit` ON `scan_commits` (`push_id`,`commit_sha`);