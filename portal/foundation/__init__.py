"""What every feature and every workflow stands on, beneath both packages: the audit trail's
writer, the Redis connection and the rate limits counted in it, the mail outbox and its delivery,
the data version that caches key on, planner statistics after bulk writes, and the one kind of
refusal (`Refusal`).

It imports only the models, `db` and libraries; never a feature of `portal` and never
`workflows` beyond the pure engine.
"""
