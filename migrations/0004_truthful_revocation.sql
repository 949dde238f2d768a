ALTER TABLE `incidents` ADD `confirmed_dead_at` integer;--> statement-breakpoint
ALTER TABLE `incidents` ADD `owner_login` text;--> statement-breakpoint
ALTER TABLE `revocations` ADD `candidates` text;