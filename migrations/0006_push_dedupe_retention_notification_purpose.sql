DROP INDEX `notifications_incident_recipient`;--> statement-breakpoint
ALTER TABLE `notifications` ADD `purpose` text DEFAULT 'outcome' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_incident_recipient_purpose` ON `notifications` (`incident_id`,`recipient`,`purpose`);--> statement-breakpoint
ALTER TABLE `incidents` ADD `mass_leak_push_id` integer;--> statement-breakpoint
ALTER TABLE `pushes` ADD `content_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `pushes_content_key` ON `pushes` (`content_key`);--> statement-breakpoint
CREATE INDEX `pushes_received` ON `pushes` (`received_at`);--> statement-breakpoint
CREATE INDEX `deliveries_received` ON `deliveries` (`received_at`);