// Learning-curve extrapolation: LC-PFN's parametric prior (Domhan et al.'s families), its Bayesian
// posterior by MCMC, and the predictive early-stopping rule. See docs/learning-curves.md.
export * from "./earlyStopping.js";
export * from "./families.js";
export * from "./posterior.js";
