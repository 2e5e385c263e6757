// What the node peers share: the pack's constants the harnesses read outside an engine, and the
// loud report of children whose level differs from safeguard's (a peer that does not compute
// what safeguard computes makes its speed ratio meaningless).
'use strict';

const SHOWN = 5;  // disagreeing children printed and kept in the figures

// The categories multi-agency-corroboration counts: the neglect index's and the carers'
// difficulties it reads (pack 0.3.0, issue 17).
const CARE_CATEGORIES = ['school_attendance', 'missed_health_appointments', 'poor_presentation',
  'substance_misuse', 'mental_health', 'housing_instability', 'parental_learning_disability'];

// missed: [{ id, safeguard, peer }] for every child whose levels differ. Prints the first few
// and the count on stderr; returns the figures' fields.
function agreement(missed, children) {
  for (const { id, safeguard, peer } of missed.slice(0, SHOWN)) {
    console.error(`DISAGREE ${id}: safeguard level ${safeguard}, peer level ${peer}`);
  }
  if (missed.length) {
    console.error(`DISAGREE: levels differ for ${missed.length} of ${children} children`);
  }
  return { levels_agree: children - missed.length, disagreements: missed.slice(0, SHOWN) };
}

module.exports = { CARE_CATEGORIES, agreement };
