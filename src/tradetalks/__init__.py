"""tradetalks: quantitative analysis of tariff negotiations.

GE trade models (Armington, Ossa 2014, Caliendo-Parro 2015), optimal tariffs and trade wars, policy
timelines and package deals, and bargaining over packages. See ``AGENTS.md`` for a map of the code.
"""

from tradetalks.data import TradeData, load

__version__ = "0.1.0"
__all__ = ["TradeData", "__version__", "load"]
