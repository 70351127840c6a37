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
        "Haar-distributed (E[tr Q] = 0, Var 1). For the Jacobian J = D_L·W_L⋯D_1·W_1 (D_l = "
        "diag φ'(z_l), Pennington et al.'s definition; for linear nets D_l = I): a deep linear net of "
        "orthogonal layers has every singular value 1 within rounding; with Gaussian N(0, 1/n) layers "
        "the eigenvalues λ of JJᵀ have variance ≈ L (exact finite-n expectation by a Wick recursion). "
        "ReLU (He N(0, 2/n) or orthogonal gain √2, mean eigenvalue 1): var(λ)/mean(λ)² → "
        "L(μ2/μ1² − 1 − s1) = 2L (Gaussian, s1 = −1) and L (orthogonal, s1 = 0), μ1 = μ2 = ½ — tested "
        "as: at width 128, depth 16, the median over nets lies within L/n (12.5 %) of 32 and 16 (the "
        "finite-width allowance; measured shifts are a few %); and at least n − min_l(active units) "
        "singular values are exactly 0, so ReLU is never isometric. Normalising by mean(λ)² removes "
        "the finite-width scatter of the overall scale and tests the shape the formula is about.",
        domain="seed; rows, cols in [1, 64]; gain in [0.1, 10]; linear depth in [1, 20] × width in "
        "[2, 48]; 60 + 60 ReLU nets at width 128 × depth 16 (one N(0, I) input each); plus a "
        "fixed-seed width 400 × depth 16 spectrum for the report",
        expected="holds",
        statistics="Exact (rounding tolerance k·n·eps stated per check) for WᵀW and the linear "
        "orthogonal spectrum; z-test of the mean trace of k = 96 square Haar matrices (sd 1 each), "
        "alpha = check_alpha(3), power 0.999 against a mean trace shift of 1 (QR without the sign "
        "correction shifts it by ≈ −√n·0.8); Gaussian linear spectrum: t-interval over 200 "
        "independent nets (width 64, depth 8) around the exact expectation, alpha 1e-9, power "
        "reported against L/2. ReLU spectra: distribution-free order-statistic interval of the "
        "median ([X_(8), X_(53)] of 60 nets, the law is right-skewed), passing when it meets the "
        "band limit·(1 ± L/n); alpha = check_alpha(2) = 1e-9 per law; power > 0.999 against "
        "'orthogonal no better than Gaussian' (L vs 2L), computed from a normal model of the other "
        "arm's replicates (conservative for the right-skewed Gaussian arm).",
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

register(
    Claim(
        id="GLOROT-JACOBIAN",
        title="Mean singular value of a layer Jacobian: ≈ 0.5 standard, ≈ 0.85 normalized init",
        source=f"{GLOROT}, §4.2.2",
        quote="we observe that the average singular value of the Jacobian ... is about 0.8 with "
        "the normalized initialization ... while it is about 0.5 with the standard initialization",
        statement="For a square n×n layer with i.i.d. entries of variance σ²/n, the mean singular "
        "value of W tends to the quarter-circle mean 8σ/(3π): 0.490 for U[±1/√n] (σ² = 1/3) and "
        "0.849 for Glorot's normalized init (σ = 1). In the linear regime the layer Jacobian "
        "∂z_{l+1}/∂z_l = W·diag(tanh'(z_l)) is W; in general its singular values are at most W's "
        "(|tanh'| ≤ 1), so the paper's 0.8 sits below 0.85 (with N(0, 1) inputs, width 256: 0.67).",
        domain="seed; width n in [200, 320]; plus a fixed-seed 5-layer tanh net of width 256",
        expected="holds",
        statistics="Talagrand concentration of the mean singular value (convex, (1/√n)-Lipschitz in "
        "entries bounded by √3σ/√n): interval 8σ/(3π) ± √(16 ln(4/α))·√3σ/n, alpha = "
        "check_alpha(2) = 1e-9, power ≥ 0.999 (same bound) against the other init (variance 3x "
        "off); exact inequality mean s(WD) ≤ mean s(W) within 1e-12.",
        required=False,
    )
)

register(
    Claim(
        id="EDGE-OF-CHAOS",
        title="tanh networks have an order-to-chaos transition at χ₁ = 1",
        source="Schoenholz, Gilmer, Ganguli & Sohl-Dickstein 2017, Deep Information Propagation",
        quote="χ₁ = σ_w² ∫Dz [φ'(√q* z)]² ... the ordered and chaotic phases are separated by the "
        "critical line χ₁ = 1",
        statement="With q* the fixed point of q ↦ σ_w²·E[tanh(√q z)²] + σ_b², χ₁ = "
        "σ_w²·E[tanh'(√q* z)²] is the slope of the correlation map at c = 1: for χ₁ < 1 "
        "correlations go to 1 (ordered), for χ₁ > 1 to a c* < 1 (chaotic); (σ_w², σ_b²) = (1, 0) "
        "is critical and at σ_b² = 0.05 the critical σ_w² is 1.761. Width 300, 100 layers from "
        "correlation 0.5 (reported): mean field gives 1.0 at σ_w² = 1, 0.94 at 1.761, 0.17 at 4.",
        domain="σ_w² in [0.5, 4], σ_b² in [0.01, 0.5] (hypothesis); fixed-seed width-300 simulation",
        expected="holds",
        statistics="Deterministic quadrature of the core's tanh (80 Gauss–Hermite nodes): exact "
        "checks with stated tolerances (χ₁ at (1, 0) bitwise; critical σ_w² ±5e-4; slope = χ₁ "
        "±2e-3 by a Richardson finite difference (quadrature-limited); phase by iterating the map). alpha 0. The "
        "simulation is evidence, not a check: its finite-width spread is not derived.",
        required=False,
    )
)

register(
    Claim(
        id="LSUV",
        title="LSUV: orthonormal init, then one rescale per layer gives unit variance",
        source="Mishkin & Matas 2015, All you need is a good init, Algorithm 1",
        quote="Pre-initialize network with orthonormal matrices ... for each layer L do ... "
        "W_L = W_L / sqrt(Var(B_L)) ... until |Var(B_L) − 1.0| < Tol_var",
        statement="winit.lsuv re-draws orthonormal weights and divides each layer, first to last, "
        "by √Var(its pre-activations on the batch). With zero biases one rescale per layer is "
        "exact: Var = 1 on that batch within rounding (1e-12), so the catalogue's [0.98, 1.02] "
        "holds there. On a fresh batch of B inputs Var(z_l) = 1 up to the sampling spread "
        "sd(ln Var) ≈ √(2·(2 + 5(l−1))/(n·B)) (ReLU bound; tanh less): [0.98, 1.02] out of "
        "sample needs n·B ≳ 10⁵ per layer.",
        domain="seed; relu or tanh; width n in [32, 96]; depth in [2, 6]; batch size from the power "
        "calculation; plus a fixed-seed ReLU net of width 100, depth 10, batch 256 for the report",
        expected="holds",
        statistics="Exact: at most one rescale per layer, |Var − 1| ≤ 1e-12 on the LSUV batch. "
        "Fresh batch: normal interval for ln Var(z_l) with the derived spread above, alpha = "
        "check_alpha(6) ≈ 3.3e-10 per layer; batch size B = 2·(2 + 5(L−1))·((z_α/2 + z_0.999)/ln 2)²/n "
        "gives power ≥ 0.999 against a variance 2x off (e.g. dividing by Var instead of √Var).",
        required=False,
    )
)

register(
    Claim(
        id="RELU-BALANCE",
        title="ReLU layers stay as balanced as they were initialized (gradient flow)",
        source="Du, Hu & Lee 2018, Algorithmic Regularization in Learning Deep Homogeneous "
        "Models: Layers are Automatically Balanced, Theorem 2.1",
        quote="gradient flow (i.e. gradient descent with infinitesimal step size) effectively "
        "enforces the differences between squared norms across different layers to remain "
        "invariant without any explicit regularization. This result implies that if the weights "
        "are initially small, gradient flow automatically balances the magnitudes of all layers.",
        statement="For ReLU, leaky ReLU and linear hidden layers (f(αz) = α·f(z), α > 0), any "
        "widths, data, targets, loss and parameters: ⟨W_l, ∂L/∂W_l⟩ + ⟨b_l, ∂L/∂b_l⟩ = "
        "⟨W_{l+1}, ∂L/∂W_{l+1}⟩ for every hidden layer l, so under gradient flow ‖W_l‖² + ‖b_l‖² − "
        "‖W_{l+1}‖² stays what the initialization made it (with biases they count on the incoming "
        "side); gradient descent with step η changes it only by η²·(‖∇_l‖² − ‖∇_{l+1}‖²) per step. "
        "It is He's backward pass in exact form: it fails when the backward f' is wrong for z > 0.",
        domain="seed; relu, leaky_relu or linear; 2–5 layers of widths 1–8; batch 1–8; linear/MSE, "
        "sigmoid/MSE or sigmoid/BCE head; He normal weights, N(0, 0.25) biases",
        expected="holds",
        statistics="Exact within rounding, alpha 0: |in − out| ≤ 4·m·L·ε·Σ|terms| (m the longest "
        "sum, Σ|terms| from |W|, |b|, the computed |h| and an absolute-value backprop, as in "
        "the symmetry claims). A backward f' off by a factor c for z > 0 gives |in − out| = |1 − c|·|out|, "
        "caught unless |out| is within 1e-11 of its own Σ|terms|.",
        required=False,
    )
)
