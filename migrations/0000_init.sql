CREATE TABLE `audit_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` integer NOT NULL,
	`detail` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_subject` ON `audit_events` (`subject_type`,`subject_id`);--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`provider` text NOT NULL,
	`delivery_id` text NOT NULL,
	`event` text NOT NULL,
	`received_at` integer NOT NULL,
	`status` text NOT NULL,
	`body_bytes` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_provider_delivery` ON `deliveries` (`provider`,`delivery_id`);--> statement-breakpoint
CREATE TABLE `incidents` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`fingerprint` text NOT NULL,
	`kind` text NOT NULL,
	`issuer` text NOT NULL,
	`preview` text NOT NULL,
	`status` text NOT NULL,
	`status_changed_at` integer NOT NULL,
	`sealed_token` text,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`first_pushed_at` integer NOT NULL,
	`revoked_at` integer,
	`owner_name` text,
	`owner_email` text,
	`owner_id` text,
	`revocation_batch` text,
	`suppression_id` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `incidents_fingerprint` ON `incidents` (`fingerprint`);--> statement-breakpoint
CREATE INDEX `incidents_status` ON `incidents` (`status`);--> statement-breakpoint
CREATE INDEX `incidents_first_seen` ON `incidents` (`first_seen_at`,`id`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`idempotency_key` text,
	`state` text DEFAULT 'queued' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer NOT NULL,
	`run_at` integer NOT NULL,
	`locked_by` text,
	`locked_at` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_idempotency_key` ON `jobs` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `jobs_state_run_at` ON `jobs` (`state`,`run_at`,`id`);--> statement-breakpoint
CREATE TABLE `notifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`recipient` text NOT NULL,
	`reason` text NOT NULL,
	`status` text NOT NULL,
	`message_id` text,
	`error` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_incident_recipient` ON `notifications` (`incident_id`,`recipient`);--> statement-breakpoint
CREATE TABLE `occurrences` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`push_id` integer,
	`provider` text NOT NULL,
	`repository` text NOT NULL,
	`repository_url` text,
	`ref` text,
	`commit_sha` text,
	`path` text NOT NULL,
	`line` integer NOT NULL,
	`column` integer,
	`encoding` text NOT NULL,
	`author_name` text,
	`author_email` text,
	`pusher_name` text,
	`pusher_email` text,
	`committed_at` integer,
	`seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `occurrences_place` ON `occurrences` (`incident_id`,`provider`,`repository`,`commit_sha`,`path`,`line`);--> statement-breakpoint
CREATE INDEX `occurrences_incident` ON `occurrences` (`incident_id`);--> statement-breakpoint
CREATE INDEX `occurrences_repository` ON `occurrences` (`repository`);--> statement-breakpoint
CREATE TABLE `pushes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`delivery_id` integer NOT NULL,
	`provider` text NOT NULL,
	`repository` text NOT NULL,
	`ref` text NOT NULL,
	`event` text NOT NULL,
	`received_at` integer NOT NULL,
	`scan_status` text DEFAULT 'pending' NOT NULL,
	`scanned_at` integer,
	`bytes_scanned` integer,
	`files_scanned` integer,
	`findings` integer,
	`partial_reasons` text
);
--> statement-breakpoint
CREATE INDEX `pushes_delivery` ON `pushes` (`delivery_id`);--> statement-breakpoint
CREATE TABLE `revocations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`issuer` text NOT NULL,
	`outcome` text NOT NULL,
	`detail` text NOT NULL,
	`authorization_ids` text,
	`batch_id` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `revocations_incident` ON `revocations` (`incident_id`);--> statement-breakpoint
CREATE INDEX `revocations_batch` ON `revocations` (`issuer`,`at`);--> statement-breakpoint
CREATE TABLE `suppressions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`fingerprint` text,
	`repository` text,
	`path_glob` text,
	`reason` text NOT NULL,
	`author` text NOT NULL,
	`expires_at` integer,
	`created_at` integer NOT NULL,
	`deleted_at` integer
);
