"""Bybit v5 public WebSocket: ``orderbook.<depth>.<symbol>`` books and ``publicTrade`` prints.

Instruments are ``bybit:<symbol>`` (linear perpetuals, settled in the quote coin). Price and
size decimals come from :data:`parse.DEFAULT_DECIMALS`, from the caller, or are inferred
from the first book message of a symbol (Bybit prints prices and sizes at tick precision).
"""
