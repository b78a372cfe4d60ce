// Hand-written canvas plots, one module per kind; this module is where the rest of the page
// imports them from: loss curves and gradient norms (plot-history.js), the decision boundary
// with the per-neuron maps and the dataset preview (plot-plane.js), the fitted curve and
// predicted-vs-actual (plot-regression.js), on a shared frame (plot-frame.js).

export { drawGradNorms, drawLoss, drawSteps } from "./plot-history.js";
export { drawBoundary, drawNeuronMaps, drawScatter } from "./plot-plane.js";
export { drawCurve, drawParity } from "./plot-regression.js";
