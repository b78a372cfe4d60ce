// ŷ, y and x in the data's units. A network on standardized targets learns value' = (value − mean)/std;
// the API's numbers are in that scale and network.target_mean / target_std (null otherwise)
// bring them back: value = value'·std + mean. Standardized features likewise with
// network.feature_mean / feature_std. Every number here is the API's, rescaled for display;
// the other way (a row the learner types) the server scales ("units": "data").

import { fmt } from "./format.js";

/** True when the network's targets were standardized (an upload with "Standardize targets"). */
export const hasUnits = (scale) => Boolean(scale?.target_std && scale?.target_mean);

/** Output j's value in the data's units (the value itself when the targets were not scaled). */
export const unitValue = (v, j, scale) => (hasUnits(scale) ? v * scale.target_std[j] + scale.target_mean[j] : v);

/** A row of outputs or targets in the data's units. */
export const unitRow = (row, scale) => row.map((v, j) => unitValue(v, j, scale));

/** True when the network's input features were standardized (an upload, a real dataset). */
export const hasInputScale = (network) => Boolean(network?.feature_std && network?.feature_mean);

/** An input row as the data has it: x'·std + mean per column (the row itself when unscaled). */
export const inputRow = (row, network) =>
  hasInputScale(network) ? row.map((v, i) => v * network.feature_std[i] + network.feature_mean[i]) : row;

/** The first sample of a forward pass in the data's units: as the learner typed it, or the
 * dataset's row scaled back; null when the network sees engineered features of the data. */
export function forwardInputs(f, network) {
  if (f?.data_inputs) return f.data_inputs[0];
  if (network?.features && network.features.join() !== "x1,x2") return null;
  return inputRow(f.inputs[0], network);
}

/** Large amounts (prices) read better grouped than in e-notation: 251,300 rather than 2.513e5. */
export function fmtUnits(x) {
  if (typeof x !== "number" || !Number.isFinite(x) || Math.abs(x) < 1e5 || Math.abs(x) >= 1e15) return fmt(x);
  const digits = Math.floor(Math.log10(Math.abs(x))) + 1;
  const rounded = Math.round(x / 10 ** (digits - 4)) * 10 ** (digits - 4);
  return rounded.toLocaleString("en-US").replace(/^-/, "\u2212");
}

/** fmtUnits of a row: one number as it is, several in parentheses. */
export const fmtUnitsVec = (v) => (v.length === 1 ? fmtUnits(v[0]) : `(${v.map(fmtUnits).join(", ")})`);

/** "(in the data's units: price = value·std + mean)" for headings and captions. */
export const unitsNote = (scale) => (hasUnits(scale) ? "in the data's units" : "");

/** A short form for a circle: 409,300 → "409k", 1,234,000 → "1.23M"; small values as fmt. */
export function fmtCompact(x) {
  const ax = Math.abs(x);
  if (!Number.isFinite(x) || ax < 1e4) return fmt(x);
  const [div, suffix] = ax >= 1e9 ? [1e9, "G"] : ax >= 1e6 ? [1e6, "M"] : [1e3, "k"];
  return `${Number((x / div).toPrecision(3))}${suffix}`.replace(/^-/, "\u2212");
}

/** The words that say a loss is in the network's standardized units, else "". */
export const LOSS_UNITS = "standardized units";
export const lossUnits = (scale) => (hasUnits(scale) ? LOSS_UNITS : "");
