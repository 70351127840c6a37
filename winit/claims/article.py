"""Claims of the source article (``shared/source/weight-initialization-article.txt``)."""

from __future__ import annotations

from winit.claims import Claim, register

ARTICLE = "Weight initialization article (shared/source/weight-initialization-article.txt)"

_ALPHA = (
    "Each claim's run false-alarms with probability ≤ 1e-6: half for its fixed-seed tests, "
    "half for its hypothesis tests spread over the thorough profile's 500 examples "
    "(Bonferroni); power ≥ 0.999 against the named error unless stated."
)
_ROUNDING = (
    "Rounding bound: a length-m BLAS dot product in two orders differs by ≤ m·ε·Σ|terms|; "
    "a step passes each gradient entry through ≤ 2L such products and rounds θ − lr·g once, so "
    "identical units drift apart by at most 4·m·L·ε·S_t after t steps, S_t = Σ over the steps of "
    "lr·(largest Σ|terms| of a gradient entry, from an absolute-value backprop) + largest |θ| "
    "(m = longest dot product, L = layers). Checked on every step up to a divergence of "
    "gradient descent (|θ| > 1e6 or non-finite), where NaN ≠ NaN makes the claim meaningless."
)
_ZERO_DOMAIN = (
    "1–4 hidden layers of 1–9 units, 1–4 inputs, 1–3 outputs, 1–16 samples and targets in "
    "[-1, 1] from a drawn seed, output linear+MSE, sigmoid+MSE or sigmoid+BCE, lr in "
    "[1e-3, 1], full batch or mini-batches, 1–20 steps."
)

register(
    Claim(
        id="ZERO-RELU",
        title="Zero init with ReLU: no weight ever moves",
        source=ARTICLE,
        quote="However, since all the weights are 0 (including the bias), both [activations are 0] "
        "... during backpropagation ... they never change and remain as 0.",
        statement="With all weights and biases 0 and ReLU hidden units, for any data, targets, "
        "widths, depth, learning rate and number of (mini-)batch gradient steps, every "
        "weight matrix and every hidden bias stays exactly 0 (bitwise, ==); the output "
        "bias is the only parameter that moves, so the output equals f_out(output bias) "
        "for every input; with full batches it moves exactly as gradient descent on a "
        "constant predictor, b ← b − lr·Σ_rows ∂L/∂z at z = b (1e-12 relative). On XOR the "
        "output bias moves from 0 to XOR's mean target 0.5.",
        domain=_ZERO_DOMAIN,
        expected="holds",
    )
)
register(
    Claim(
        id="ZERO-TANH",
        title="Zero init with tanh: no weight ever moves",
        source=ARTICLE,
        quote="As was the case with ReLU, when the weights are updated during backpropagation, "
        "they never change and remain as 0.",
        statement="Same as ZERO-RELU with tanh (tanh(0) = 0; tanh'(0) = 1 does not help since the "
        "weights above are 0): every weight and hidden bias stays exactly 0 (==), only "
        "the output bias moves, the output is the same for every input.",
        domain=_ZERO_DOMAIN,
        expected="holds",
    )
)
register(
    Claim(
        id="ZERO-SIGMOID",
        title="Zero init with sigmoid: the hidden layer acts as a single neuron",
        source=ARTICLE,
        quote="Now, all the neurons in a given layer will have the same non-zero activation value "
        "(0.5 in this example). ... Since the activations of all the neurons in the hidden "
        "layer are the same, the entire hidden layer acts as a single neuron.",
        statement="With zero init and sigmoid hidden units every hidden activation is exactly 0.5 "
        "(==) for every input; the weights do move, but the units of every hidden layer "
        "keep identical incoming rows, biases and outgoing weights at every step, within the "
        "rounding bound below at every width (whether they stay bitwise identical depends on "
        "the BLAS kernel, so it is a finding of the machine that ran, not a pass criterion). "
        + _ROUNDING,
        domain=_ZERO_DOMAIN + " Learning rate divided by the product of fan-ins.",
        expected="holds",
    )
)
register(
    Claim(
        id="CONST-SYMMETRY",
        title="Constant init: units of a layer stay identical; width h computes a width-1 network",
        source=ARTICLE,
        quote="We have seen that choosing a constant value for all the neurons is an incorrect way "
        "to initialize the weights.",
        statement="For any constant c and any activation, all units of a hidden layer stay "
        "identical through gradient descent (rows of the incoming weights, biases, "
        "columns of the outgoing weights), and at every step the width-h network computes "
        "the function of the width-1 network made of unit 0 with its outgoing weights "
        "summed (multiplied by h), within rounding at every width: unit gap ≤ 4·m·L·ε·S_t (below) "
        "and |f_h − f_1| ≤ twice the first-order propagation of the measured unit gap and of "
        "forward rounding (3·m·ε of each layer's Σ|terms|) through the layers. Which widths stay "
        "bitwise identical depends on the BLAS kernel's summation order: the width sweep "
        "records them as a finding of the machine that ran. " + _ROUNDING,
        domain="c in [-1, 1]; relu, tanh, sigmoid, linear, leaky_relu, selu; "
        + _ZERO_DOMAIN
        + " Learning rate divided by the product of fan-ins (keeps c up to 1 from "
        "diverging).",
        expected="holds",
    )
)
register(
    Claim(
        id="CONST-LINEAR-BOUNDARY",
        title="Constant init: a hyperplane decision boundary, not a linear model",
        source=ARTICLE,
        quote="This means that this model is now linear (and this defeats the purpose of even "
        "using a neural network).",
        statement="Refuted as stated: the collapsed one-unit sigmoid network is not a linear "
        "function (f(x+y) − f(x) − f(y) + f(0) ≠ 0). True version: for monotone "
        "activations a constant-initialised network's output is a monotone function of "
        "one affine form a·x + b at every step (checked exactly on sorted inputs), so its "
        "decision boundary is a hyperplane and its XOR accuracy is ≤ 75 % at every step; "
        "the same network with Xavier (Glorot uniform) init reaches 100 % on XOR on most "
        "seeds (success probability > 1/2).",
        domain="c in [-1, 1], hidden width 1–4, any of relu, tanh, sigmoid, linear, leaky_relu, "
        "selu, the three output/loss pairs, lr in [0.01, 1] divided by the product of fan-ins, "
        "1–50 full-batch steps on XOR "
        "(±1 inputs); Xavier: tanh, linear+MSE, lr 0.5, 200 steps.",
        expected="refuted-as-stated",
        statistics="Xavier success: one-sided exact binomial test of H0 'success probability ≤ "
        "1/2' at alpha 5e-7, seeds sized for power 0.999 against a success probability "
        "of 0.85 (measured ≈ 0.9). Hyperplane and 75 % bound: exact. " + _ALPHA,
    )
)
register(
    Claim(
        id="NORMAL-VARIANCE-GROWS",
        title="N(0, 1) weights: Var(z) grows like n",
        source=ARTICLE,
        quote="Each weight is chosen randomly from a normal distribution with a mean of 0 and a "
        "variance of 1. ... With the variance of [z being n] ...",
        statement="With N(0,1) weights, b = 0 and all inputs 1, z = Σ wᵢ ~ N(0, n) exactly in law; "
        "with i.i.d. inputs of E[x²] = s², Var(z) = n·s²; across widths 2–2048, "
        "log Var(z) against log n has slope 1.",
        domain="n in 1–2048, inputs all ones or i.i.d. normal, Rademacher or uniform with E[x²] in "
        "[0.25, 4], seed; slope: n = 2, 4, …, 2048.",
        expected="holds",
        statistics="Exact chi-square interval for Var(z) (known mean) when z is normal, else the "
        "asymptotic interval with z's kurtosis 3 + (κ_w κ_x − 3)/n; draws sized for "
        "power 0.999 against a variance 2× off; z-test of the mean; slope: weighted "
        "least-squares slope of ln s² on ln n with Var(ln s²) = (κ − 1)/draws, "
        "z-interval must contain 1, power 0.999 against a slope 0.5 off. " + _ALPHA,
    )
)
register(
    Claim(
        id="NORMAL-SATURATION",
        title="N(0, 1) weights saturate sigmoid units and slow training",
        source=ARTICLE,
        quote="In this case, the gradient descent causes very small updates in the value of the "
        "weights (barely moving it in the right direction) and thus the network’s ability to "
        "learn is hindered and the training time increases drastically.",
        statement="With N(0,1) weights and all-ones inputs (z ~ N(0, n)) the fraction of sigmoid "
        "units with σ'(z) < 0.01 (|z| > 2·arccosh 5 = 4.585) is 2(1 − Φ(4.585/√n)), "
        "growing with n; the mean derivative E[σ'(z)] = 1/√(2πn)·(1 − π²/(6n) + O(n⁻²)) "
        "(tanh: 2/√(2πn)·(1 − π²/(24n))); Nielsen's example (1000 inputs, 500 of them 1, "
        "N(0,1) weights and bias): std(z) = √501 ≈ 22.4, P(|z| > 1) ≈ 0.964; a "
        "400-16-1 sigmoid network on a linearly separable task takes more steps to reach "
        "BCE 0.1 from N(0,1) init than from Xavier on every seed.",
        domain="n in 1–64, sigmoid or tanh, seed; width sweep 1–1024 for the report; 21 paired "
        "training seeds.",
        expected="holds",
        statistics="z-tests for the saturated fraction (binomial sd) and for the mean derivative "
        "(sd from quadrature), draws sized for power 0.999 against a mean derivative "
        "20 % off; Nielsen: chi-square variance interval (2× off) and z-test of "
        "P(|z| > 1) against the Xavier value 0.41; slower training: one-sided sign test "
        "(exact binomial, H0 'N(0,1) slower with probability ≤ 1/2') at alpha 5e-7, "
        "power 0.999 if N(0,1) is slower on ≥ 99.995 % of seeds. " + _ALPHA,
    )
)
register(
    Claim(
        id="XAVIER-VARIANCE",
        title="Xavier keeps Var(z) near 1",
        source=ARTICLE,
        quote="To overcome the shortcomings of these methods, in 2010, Xavier introduced the Xavier "
        "initialization technique for initializing weights.",
        statement="Glorot init (Var(w) = 2/(n_in + n_out), normal or uniform) gives Var(z) = "
        "2·n_in/(n_in + n_out)·E[x²]: exactly E[x²] for square layers, always < 2·E[x²], "
        "and log Var(z) does not grow with the width of square layers (slope 0); the "
        "fan_in form Var(w) = 1/n_in (what Caffe and many tutorials call Xavier) gives "
        "Var(z) = E[x²]; Nielsen's example (1000 inputs, 500 of them 1, Var(w) = 1/1000, "
        "N(0,1) bias): Var(z) = 1.5, std(z) = √1.5 ≈ 1.22.",
        domain="n_in, n_out in 1–1024, inputs i.i.d. normal, Rademacher or uniform with E[x²] in "
        "[0.25, 4], seed; slope: square layers 2–2048.",
        expected="holds",
        statistics="Chi-square interval (normal weights and normal z) or the asymptotic interval "
        "with z's kurtosis 3 + (κ_w κ_x − 3)/n_in, draws sized for power 0.999 against "
        "a variance 2× off (the fan-mode and gain errors are ≥ 2× at the drawn sizes or "
        "caught where they are); slope z-interval must contain 0, power 0.999 against "
        "0.5. " + _ALPHA,
    )
)
