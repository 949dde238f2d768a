CREATE TABLE `content_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`delivery_id` integer NOT NULL,
	`provider` text NOT NULL,
	`source` text NOT NULL,
	`repository` text NOT NULL,
	`event` text NOT NULL,
	`received_at` integer NOT NULL,
	`scan_status` text DEFAULT 'pending' NOT NULL,
	`scanned_at` integer,
	`findings` integer,
	`note` text
);
--> statement-breakpoint
CREATE INDEX `content_events_delivery` ON `content_events` (`delivery_id`);--> statement-breakpoint
ALTER TABLE `incidents` ADD `notify_only_reason` text;--> statement-breakpoint
ALTER TABLE `occurrences` ADD `source` text DEFAULT 'push' NOT NULL;--> statement-breakpoint
ALTER TABLE `occurrences` ADD `url` text;