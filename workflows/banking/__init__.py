"""Partners' payout bank accounts: sealed at rest, verified by finance before money goes there."""
