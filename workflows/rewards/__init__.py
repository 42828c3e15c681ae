"""Loyalty points ledger, redemption catalog and requests, status levels."""
