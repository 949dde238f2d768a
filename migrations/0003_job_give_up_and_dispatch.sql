ALTER TABLE `jobs` ADD `failing_since` integer;--> statement-breakpoint
ALTER TABLE `jobs` ADD `dispatched_at` integer;