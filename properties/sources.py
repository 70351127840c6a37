"""The sources the claims cite, each named once (authors, title; the claim adds the section)."""

ARTICLE = "The article winit starts from: an online answer on weight initialization (author and title unrecorded)"
GLOROT = (
    "Glorot & Bengio 2010, Understanding the difficulty of training deep feedforward neural "
    "networks (AISTATS)"
)
HE = "He, Zhang, Ren & Sun 2015, Delving Deep into Rectifiers (ICCV)"
ISOMETRY = (
    "Saxe, McClelland & Ganguli 2013, Exact solutions to the nonlinear dynamics of learning in "
    "deep linear networks; Pennington, Schoenholz & Ganguli 2017, Resurrecting the sigmoid in "
    "deep learning through dynamical isometry"
)
SELU = "Klambauer, Unterthiner, Mayr & Hochreiter 2017, Self-Normalizing Neural Networks"
KERAS_JAX = (
    "Keras VarianceScaling and JAX jax.nn.initializers.variance_scaling (truncated_normal), "
    "source comments"
)
SCHOENHOLZ = "Schoenholz, Gilmer, Ganguli & Sohl-Dickstein 2017, Deep Information Propagation"
LSUV = "Mishkin & Matas 2015, All you need is a good init, Algorithm 1"
BALANCE = (
    "Du, Hu & Lee 2018, Algorithmic Regularization in Learning Deep Homogeneous Models: Layers "
    "are Automatically Balanced, Theorem 2.1"
)
VASWANI = "Vaswani et al. 2017, Attention Is All You Need (NeurIPS)"
RESIDUAL = (
    "Radford, Wu, Child, Luan, Amodei & Sutskever 2019, Language Models are Unsupervised "
    "Multitask Learners (GPT-2); Zhang, Dauphin & Ma 2019, Fixup Initialization: Residual "
    "Learning Without Normalization (ICLR); Xiong et al. 2020, On Layer Normalization in the "
    "Transformer Architecture (ICML)"
)
IOFFE = (
    "Ioffe & Szegedy 2015, Batch Normalization: Accelerating Deep Network Training by Reducing "
    "Internal Covariate Shift (ICML)"
)
