CREATE INDEX `deliveries_received` ON `deliveries` (`received_at`);--> statement-breakpoint
CREATE INDEX `pushes_received` ON `pushes` (`received_at`);