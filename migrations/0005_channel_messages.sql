CREATE TABLE `channel_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`channel` text NOT NULL,
	`outcome` text NOT NULL,
	`event` text NOT NULL,
	`follow_up` integer DEFAULT false NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `channel_messages_incident_channel_outcome` ON `channel_messages` (`incident_id`,`channel`,`outcome`);