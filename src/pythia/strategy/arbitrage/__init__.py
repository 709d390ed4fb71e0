"""Prediction-market arbitrage: exact, depth-aware detection and the strategies that trade it."""
