DROP INDEX `notifications_incident_recipient`;--> statement-breakpoint
ALTER TABLE `notifications` ADD `purpose` text DEFAULT 'outcome' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_incident_recipient_purpose` ON `notifications` (`incident_id`,`recipient`,`purpose`);--> statement-breakpoint
ALTER TABLE `incidents` ADD `mass_leak_push_id` integer;