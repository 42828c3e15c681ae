"""Claims, payout batches and partner statements: what partners are paid and how."""
