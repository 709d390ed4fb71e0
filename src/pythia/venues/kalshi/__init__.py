"""Kalshi: REST markets, order books and trades; WebSocket order book, trade and ticker feed.

Each market ticker gives two outcome tokens, ``kalshi:<ticker>:yes`` and ``kalshi:<ticker>:no``.
Prices are dollars at 4 decimals (``"0.1200"`` is 1200 units), sizes are contracts at 2
decimals (``*_fp`` fields, fractional trading). Kalshi books hold bids only: the YES book's
bids are ``yes_dollars``, the NO book's bids are ``no_dollars``; asks come from the
complement view (:class:`pythia.book.views.BinaryView`).
"""
