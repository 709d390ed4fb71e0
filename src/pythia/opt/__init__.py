"""Solvers: the valid outcome set as an IP, the guaranteed-profit LP, Frank-Wolfe projection.

- ``dependencies``: securities and logical constraints, parsed from TOML/JSON documents;
- ``outcomes``: the valid outcome set as an integer program (HiGHS) and its oracle;
- ``lp``: the exact guaranteed-profit trade against order books (constraint generation);
- ``frank_wolfe``: Bregman (KL/LMSR) projection onto the marginal polytope (Kroer et al. 2016).
"""

from pythia.opt import quiet as _quiet  # noqa: E402,F401  (HiGHS's banner off stdout)
