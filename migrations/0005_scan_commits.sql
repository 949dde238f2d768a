CREATE TABLE `scan_commits` (
	`push_id` integer NOT NULL,
	`commit_sha` text NOT NULL,
	`bytes` integer NOT NULL,
	`files` integer NOT NULL,
	`findings` integer NOT NULL,
	`partial` text,
	`at` integer NOT NULL,
	PRIMARY KEY(`push_id`, `commit_sha`)
);
