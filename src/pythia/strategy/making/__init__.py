"""Market making: quoting models (Avellaneda-Stoikov, GLFT), bounded-price helpers and
quote management. The models are pure functions; the strategy wires them to books."""

from pythia.strategy.making.models import (
    Depths,
    GlftCoefficients,
    GlftSolution,
    as_reservation_price,
    as_spread,
    avellaneda_stoikov,
    glft_asymptotic,
    glft_coefficients,
    glft_exact,
    glft_matrix,
)

__all__ = [
    "Depths",
    "GlftCoefficients",
    "GlftSolution",
    "as_reservation_price",
    "as_spread",
    "avellaneda_stoikov",
    "glft_asymptotic",
    "glft_coefficients",
    "glft_exact",
    "glft_matrix",
]
