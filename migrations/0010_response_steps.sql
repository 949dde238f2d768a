CREATE TABLE `response_steps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`round` integer NOT NULL,
	`step` text NOT NULL,
	`part` integer DEFAULT 0 NOT NULL,
	`result` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `response_steps_once` ON `response_steps` (`incident_id`,`round`,`step`,`part`);