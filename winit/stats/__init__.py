"""The statistics behind every tolerance in winit, in numpy and ``math`` alone.

Each check is an interval with a stated false-alarm rate ``alpha`` (the probability that a
correct law lands outside it) and a stated power (the probability that a named error lands
outside it). Sample sizes are solved from those two numbers, never tuned by trial.

One concern per module, every public name re-exported here:

- :mod:`~winit.stats.special`: the normal, chi-square, Kolmogorov and binomial laws;
- :mod:`~winit.stats.check`: the :class:`Check` result, :data:`RUN_ALPHA` and :data:`POWER`;
- :mod:`~winit.stats.sizing`: power, minimum detectable effect and sample size of each test;
- :mod:`~winit.stats.checks`: the check constructors of moments and shapes;
- :mod:`~winit.stats.exact`: checks from exact finite-sample laws (binomial counts, order
  statistics, the maximum of uniforms);
- :mod:`~winit.stats.chernoff`: Chernoff intervals from an exact moment generating function,
  and the weighted chi-square law;
- :mod:`~winit.stats.relu`: the exact second-moment laws of deep ReLU networks.
"""

from winit.stats.check import POWER, RUN_ALPHA, Check, exact_check
from winit.stats.checks import (
    ks_check,
    mean_check,
    slope_check,
    spread_check,
    talagrand_check,
    variance_check,
    z_interval_check,
)
from winit.stats.chernoff import (
    LogMgf,
    weighted_chi2_check,
    weighted_chi2_interval,
    weighted_chi2_mgf,
    weighted_chi2_power,
)
from winit.stats.exact import (
    binomial_check,
    binomial_exceeds_check,
    median_band_check,
    uniform_maximum_check,
)
from winit.stats.relu import (
    relu_chi2_check,
    relu_chi2_interval,
    relu_chi2_power,
    relu_ln_ratio_check,
    relu_ln_ratio_interval,
    relu_ln_ratio_power,
)
from winit.stats.sizing import (
    NORMAL_KURTOSIS,
    binomial_exceeds_critical,
    binomial_exceeds_power,
    binomial_exceeds_sample_size,
    bonferroni,
    chi2_ratio_bounds,
    chi2_ratio_power,
    detectable,
    ks_detectable,
    ks_power,
    ks_sample_size,
    normal_ratio_bounds,
    normal_ratio_power,
    sample_size,
    sum_kurtosis,
    variance_detectable,
    variance_power,
    variance_sample_size,
    z_detectable,
    z_power,
    z_sample_size,
)
from winit.stats.special import (
    binom_cdf,
    chi2_cdf,
    chi2_ppf,
    chi2_sf,
    kolmogorov_sf,
    ks_critical,
    ks_pvalue,
    ks_statistic,
    norm_cdf,
    norm_cdf_array,
    norm_pdf,
    norm_ppf,
)

__all__ = [
    "NORMAL_KURTOSIS",
    "POWER",
    "RUN_ALPHA",
    "Check",
    "LogMgf",
    "binom_cdf",
    "binomial_check",
    "binomial_exceeds_check",
    "binomial_exceeds_critical",
    "binomial_exceeds_power",
    "binomial_exceeds_sample_size",
    "bonferroni",
    "chi2_cdf",
    "chi2_ppf",
    "chi2_ratio_bounds",
    "chi2_ratio_power",
    "chi2_sf",
    "detectable",
    "exact_check",
    "kolmogorov_sf",
    "ks_check",
    "ks_critical",
    "ks_detectable",
    "ks_power",
    "ks_pvalue",
    "ks_sample_size",
    "ks_statistic",
    "mean_check",
    "median_band_check",
    "norm_cdf",
    "norm_cdf_array",
    "norm_pdf",
    "norm_ppf",
    "normal_ratio_bounds",
    "normal_ratio_power",
    "relu_chi2_check",
    "relu_chi2_interval",
    "relu_chi2_power",
    "relu_ln_ratio_check",
    "relu_ln_ratio_interval",
    "relu_ln_ratio_power",
    "sample_size",
    "slope_check",
    "spread_check",
    "sum_kurtosis",
    "talagrand_check",
    "uniform_maximum_check",
    "variance_check",
    "variance_detectable",
    "variance_power",
    "variance_sample_size",
    "weighted_chi2_check",
    "weighted_chi2_interval",
    "weighted_chi2_mgf",
    "weighted_chi2_power",
    "z_detectable",
    "z_interval_check",
    "z_power",
    "z_sample_size",
]
