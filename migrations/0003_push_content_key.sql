ALTER TABLE `pushes` ADD `content_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `pushes_content_key` ON `pushes` (`content_key`);