"""Polymarket: wire structs (``wire``), pure parsers of market data and user-channel messages
(``parse``), of market definitions (``markets``), and the capture reader (``capture``).

Instrument ids are ``polymarket:<token_id>``; prices have 4 decimals (tick 0.01 = 100 units),
sizes 6 (token decimals); the quote currency is USDC.
"""
