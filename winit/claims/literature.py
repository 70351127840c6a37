"""Claims from the literature beyond the article (Glorot 2010, He 2015, Saxe 2013, ...)."""

from __future__ import annotations

from winit.claims import Claim, register

GLOROT = "Glorot & Bengio 2010, Understanding the difficulty of training deep feedforward networks"

register(
    Claim(
        id="HE-DEPTH",
        title="He init keeps the ReLU second moment through depth; Glorot halves it per layer",
        source="He, Zhang, Ren & Sun 2015, Delving Deep into Rectifiers, eq. 10",
        quote="Var[y_L] = Var[y_1] (prod_{l=2}^{L} 1/2 n_l Var[w_l]) ... a proper initialization "
        "method should avoid reducing or magnifying the magnitudes of input signals exponentially.",
        statement="In a square ReLU MLP of width n with N(0, v) weights, ln(E[y_L²]/E[y_1²]) is "
        "(L−1)·ln(n·v/2) plus a finite-width scatter of mean ≈ −5(L−1)/(2n) and spread ≈ √(5(L−1)/n): "
        "He (v = 2/n) keeps the ratio ≈ 1, Glorot (v = 1/n for square layers) gives 2^−(L−1), N(0,1) "
        "gives (n/2)^(L−1). For one input the law is exact (a product of independent χ² and Beta "
        "factors, properties/relu_depth_law.py).",
        domain="seed; width n in [128, 256]; depth L in [12, 30]; one N(0, I) input; plus width 1000 "
        "× depth 30 and width 256 × depth 10 fixed-seed runs (the report's profiles)",
        expected="holds",
        statistics="Chernoff interval of the exact one-input law of the ln-ratio (a normal quantile "
        "would be ~1σ too narrow in the lower tail: the law is left-skewed, skewness −0.2 at n=100, "
        "L=10). alpha = check_alpha(3) ≈ 6.7e-10 per check (run alpha 1e-6 under the thorough "
        "profile); power ≥ 0.9999 (Chernoff lower bound) against a weight variance 2x off, i.e. He "
        "vs Glorot (missing gain √2), over the whole domain; width 1000, depth 30 interval for He: "
        "ratio in [0.072, 11.0].",
    )
)

register(
    Claim(
        id="GLOROT-UNIFORM",
        title="Glorot's normalized uniform init has variance 2/(n_in+n_out)",
        source=f"{GLOROT}, eq. 16 and eq. 1",
        quote="W ~ U[−√6/√(n_j+n_{j+1}), √6/√(n_j+n_{j+1})] (16) ... the standard initialization "
        "W_ij ~ U[−1/√n, 1/√n] (1) ... gives rise to variance with the property n·Var[W] = 1/3.",
        statement="glorot_uniform draws i.i.d. U[−a, a], a = √(6/(n_in+n_out)): all |w| ≤ a, the "
        "largest |w| approaches a, the shape is uniform and Var(w) = 2/(n_in+n_out). The older "
        "U[±1/√n_in] (PyTorch nn.Linear's default, he_uniform(a=√5, nonlinearity='leaky_relu')) has "
        "n_in·Var(w) = 1/3.",
        domain="seed; n_in, n_out in [1, 300]; enough matrices of that shape for the sample size",
        expected="holds",
        statistics="Per example 4 checks at alpha = check_alpha(4) = 5e-10: (1) exact bound "
        "max|w| ≤ a; (2) max|w|/a ≥ alpha^(1/N) (P(max < a·c) = c^N exactly), power 1 against a "
        "limit √2 too small; (3) asymptotic variance interval with the uniform's kurtosis 1.8, "
        "N = variance_sample_size(2, alpha, 0.999, 1.8), power ≥ 0.999 against variance 2x off; "
        "(4) KS of w/a against U[−1, 1], power ≥ 0.999 (DKW bound) against a normal of the same "
        "variance. The old law: variance interval for n_in·Var = 1/3, power 0.999 vs 2x off.",
    )
)

register(
    Claim(
        id="GLOROT-LINEAR-REGIME",
        title="Standard init shrinks activations and back-propagated gradients ×1/3 per layer",
        source=f"{GLOROT}, eqs. 5–14 and §4.2.1",
        quote="we find that the variance of the back-propagated gradient ... decreases as we go "
        "backward ... normalized initialization ... maintains ... activation variances and "
        "back-propagated gradients variance as one moves up or down the network.",
        statement="In the linear regime (5 tanh layers of width n, inputs N(0, s²), s ≤ 0.1), the "
        "activation second moment shrinks by n·Var(w) = 1/3 per layer upward and the "
        "back-propagated delta second moment by 1/3 per layer downward with U[±1/√n]: layer 5 / "
        "layer 1 ≈ (1/3)⁴ = 0.0123 (activations) and layer 1 / layer 5 ≈ 0.0123 (deltas); with the "
        "normalized init both ratios are ≈ 1 (0.97–1.0 from the tanh curvature); the weight-gradient "
        "second moment is about the same in every layer for both. Expected values come from the "
        "infinite-width mean-field recursion (Gauss–Hermite quadrature), not from the linearization.",
        domain="seed; width n in [200, 400]; input std s in [0.01, 0.1]; batch 16; plus a fixed-seed "
        "width-1000 run",
        expected="holds",
        statistics="Normal interval for each ln-ratio with spread derived from the one-input law: "
        "each layer multiplies the mean square by (χ²_n/n)·(1 + O(s²)), relative variance 2/n, so "
        "4 layers give sd √(8/n); the batch mean can only be less variable (Var of a mean of "
        "identically distributed terms ≤ their variance). Weight gradients combine both: sd "
        "2√(8/n) (worst-case correlation). alpha = check_alpha(6) ≈ 3.3e-10 per check; power > "
        "0.9999 against the other init's prediction (ratio 1/81 vs ≈ 1).",
    )
)

register(
    Claim(
        id="ORTHOGONAL-ISOMETRY",
        title="Orthogonal layers make a deep linear network an exact isometry; Gaussian and ReLU not",
        source="Saxe, McClelland & Ganguli 2013 (Exact solutions to the nonlinear dynamics of "
        "learning in deep linear networks); Pennington, Schoenholz & Ganguli 2017 (Resurrecting the "
        "sigmoid: dynamical isometry)",
        quote="random orthogonal initializations ... all singular values of the input-output "
        "Jacobian equal to one (dynamical isometry) ... ReLU networks are incapable of dynamical "
        "isometry.",
        statement="orthogonal(gain) gives WᵀW = gain²·I (or WWᵀ for wide shapes) within rounding, "
        "Haar-distributed (E[tr Q] = 0, Var 1). A deep linear net of orthogonal layers has every "
        "Jacobian singular value 1 within rounding; with Gaussian N(0, 1/n) layers the spectrum of "
        "JJᵀ has variance ≈ L (exact finite-n expectation by a Wick recursion); with ReLU at least "
        "n − min_l(active units of layer l) singular values are exactly 0, so it is never isometric.",
        domain="seed; rows, cols in [1, 64]; gain in [0.1, 10]; linear depth in [1, 20] × width in "
        "[2, 48]; plus a fixed-seed width 400 × depth 16 spectrum for the report",
        expected="holds",
        statistics="Exact (rounding tolerance k·n·eps stated per check) for WᵀW and the linear "
        "orthogonal spectrum; z-test of the mean trace of k = 96 square Haar matrices (sd 1 each), "
        "alpha = check_alpha(3), power 0.999 against a mean trace shift of 1 (QR without the sign "
        "correction shifts it by ≈ −√n·0.8); Gaussian linear spectrum: t-interval over 40 "
        "independent nets (width 100, depth 16) around the exact expectation, alpha 1e-9, power "
        "reported against L/2.",
    )
)

register(
    Claim(
        id="SELU-FIXED-POINT",
        title="SELU with LeCun normal weights has an attracting fixed point at mean 0, variance 1",
        source="Klambauer, Unterthiner, Mayr & Hochreiter 2017, Self-Normalizing Neural Networks",
        quote="activations close to zero mean and unit variance that are propagated through many "
        "network layers will converge towards zero mean and unit variance -- even under the presence "
        "of noise and perturbations.",
        statement="With λ = 1.0507009873554805, α = 1.6732632423543772 and z ~ N(0,1): E[selu(z)] = 0 "
        "and E[selu(z)²] = 1 to 1e-9 (quadrature, split at the kink); the variance map "
        "q ↦ E[selu(√q·z)²] has slope in (0, 1) at q = 1 (attracting). 100 layers × 100 wide with "
        "lecun_normal weights bring any input (mean in [−2, 2], std in [0.5, 3], e.g. mean 1, var 9) "
        "to mean ≈ 0 and second moment ≈ 1 at the last layer.",
        domain="seed; input mean in [−2, 2]; input std in [0.5, 3]; batch 8 of width-100 inputs",
        expected="holds",
        statistics="Quadrature: exact checks at 1e-9. Propagation: normal intervals with the "
        "stationary finite-width spread of the one-input Markov chain q_{l+1} = mean_i selu(z_i)², "
        "z_i ~ N(0, q_l): Var(ln q) = v/(1 − c²) with v = Var(selu(z)²)/n and c the map's slope, "
        "and sd of the last-layer mean √((1 + μ'(1)²·Var q)/n); alpha = check_alpha(2) = 1e-9; "
        "power against He-scaled weights (Var 2/n, the second moment grows ×λ² per layer) is 1.",
    )
)

register(
    Claim(
        id="TRUNCATED-CORRECTION",
        title="A ±2σ truncated normal has std 0.8796σ; dividing by it restores the requested std",
        source="Keras VarianceScaling / JAX variance_scaling (truncated_normal)",
        quote="# constant is stddev of standard normal truncated to (-2, 2): "
        "stddev = math.sqrt(scale) / .87962566103423978",
        statement="0.87962566103423978 is the std of N(0,1) truncated to [−2, 2] (closed form, to "
        "1e-15); truncated_normal(mean, std) and variance_scaling(..., 'truncated_normal') draw within "
        "mean ± 2·std/0.8796 with variance exactly std², in the truncated-normal shape.",
        domain="seed; mean in [−10, 10]; std in [1e-3, 1e3]; scale, mode and a 2-D shape for "
        "variance_scaling",
        expected="holds",
        statistics="Per example 4 checks at alpha = check_alpha(4) = 5e-10: exact range bound; "
        "asymptotic variance interval with the truncated normal's kurtosis 2.36 and N = "
        "variance_sample_size(1/0.8796², alpha, 0.999, 2.36) draws — power 0.999 against the missing "
        "correction (variance 1.29x off); KS against the truncated-normal CDF, power ≥ 0.999 (DKW "
        "bound) against an untruncated normal of the same std.",
    )
)
