"""Market development funds: funds and allocations down the territory tree, partners'
activity requests and claims, the ledger every balance is summed from, and expiry."""
