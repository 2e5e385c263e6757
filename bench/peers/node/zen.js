// Peer: the default rule pack (rules/default.toml) as a GoRules ZEN decision (JDM): one
// expression node computes every index score, policy override and the judgement the pack reads,
// a second maps them to a level. Everything is ZEN expressions over the child's fact document
// (`safeguard_bench --mode export`) except the number of distinct agencies, which the ZEN
// expression language cannot count (it has no distinct/unique), so this harness adds it as a
// fact, as the json-rules-engine peer does for all its aggregates.
//
//   node bench/peers/node/zen.js facts.json [out.json]
'use strict';
const fs = require('fs');
const { ZenEngine } = require('@gorules/zen-engine');
const { CARE_CATEGORIES, agreement } = require('./agreement');

const OPEN_OR_CLOSED = '["open", "closed"]';
const within = (days) => `#.age_days >= 0 and #.age_days <= ${days}`;
const FAMILY = 'some(#.roles, # != "associate")';
const COUNTS = `#.status in ${OPEN_OR_CLOSED}`;

// The best reach factor among the roles an item arrived by, as a ZEN expression.
function reachExpression(reach) {
  const byFactor = new Map();
  for (const [role, factor] of Object.entries(reach)) {
    if (!byFactor.has(factor)) byFactor.set(factor, []);
    byFactor.get(factor).push(role);
  }
  let expression = '0';
  for (const factor of [...byFactor.keys()].sort((a, b) => a - b)) {
    const test = byFactor.get(factor).map((role) => `"${role}" in #.roles`).join(' or ');
    expression = `(${test}) ? ${factor} : (${expression})`;
  }
  return `(${expression})`;
}

const list = (values) => `[${values.map((v) => `"${v}"`).join(', ')}]`;

function concernRule(categories, points, halfLife, reach) {
  return `sum(map(filter(concerns, #.category in ${list(categories)} and #.status in ` +
    `${OPEN_OR_CLOSED}), (${points}) * 0.5 ^ (max([0, #.age_days]) / ${halfLife}) * ` +
    `${reachExpression(reach)}))`;
}

function factorRule(kinds, points, cap, reach) {
  const chosen = `filter(factors, #.kind in ${list(kinds)} and #.active)`;
  const total = `sum(map(${chosen}, (${points}) * ${reachExpression(reach)}))`;
  return `(abs(${total}) > ${cap} ? sum(map(${chosen}, (${points}) * ` +
    `${reachExpression(reach)} * ${cap} / abs(${total}))) : ${total})`;
}

const SELF = { self: 1.0 };
const scores = {
  abuse: [
    concernRule(['physical_injury', 'non_accidental_injury'], '#.severity * 2', 365,
      { self: 1.0, sibling: 0.5 }),
    concernRule(['sexual_abuse'], '#.severity * 3', 730, { self: 1.0, sibling: 0.5 }),
    concernRule(['emotional_abuse'], '#.severity * 1.5', 365, SELF),
    concernRule(['violent_offending'], '#.severity * 1.5', 730,
      { carer: 1.0, household: 1.0, involved: 1.0 }),
    `(age != null and age < 1 and len(filter(concerns, ${FAMILY} and ${within(365)} and ` +
      `${COUNTS} and #.severity >= 3)) >= 1 ? 3 : 0)`,
    // Categories added in pack 0.3.0 (issue 17).
    concernRule(['female_genital_mutilation'], '#.severity * 3', 1825, { self: 1.0, sibling: 1.0 }),
    concernRule(['honour_based_abuse'], '#.severity * 2.5', 730,
      { self: 1.0, sibling: 0.5, involved: 1.0 }),
    concernRule(['fabricated_or_induced_illness'], '#.severity * 3', 730,
      { self: 1.0, sibling: 0.5 }),
    concernRule(['bruising_non_mobile_baby'], '#.severity * 3', 365, { self: 1.0, sibling: 0.5 }),
    concernRule(['online_abuse'], '#.severity * 2', 365, SELF),
    concernRule(['child_on_child_abuse'], '#.severity * 2', 365, SELF),
    concernRule(['harmful_sexual_behaviour'], '#.severity * 1.5', 365, SELF),
  ],
  neglect: [
    concernRule(['school_attendance'], '2', 180, SELF),
    concernRule(['missed_health_appointments'], '2', 180, SELF),
    concernRule(['poor_presentation'], '#.severity * 1.5', 180, { self: 1.0, sibling: 0.5 }),
    '(family_open_agencies_180 >= 3 ? 5 : 0)',
    concernRule(['substance_misuse'], '#.severity * 1.5', 365, { carer: 1.0, household: 0.5 }),
    concernRule(['mental_health'], '#.severity', 365, { carer: 1.0, household: 0.5 }),
    concernRule(['housing_instability'], '2', 180, { self: 1.0, carer: 1.0, household: 1.0 }),
    `("disability" in flags and len(filter(concerns, "self" in #.roles and ${COUNTS} and ` +
      `${within(365)})) >= 1 ? 2 : 0)`,
    concernRule(['parental_learning_disability'], '#.severity', 365, { carer: 1.0 }),
    factorRule(['protective_adult', 'kinship_support'], '-#.strength', 5,
      { self: 1.0, sibling: 1.0 }),
    factorRule(['early_help_engagement'], '-2', 2, SELF),
    '(review_overdue ? 2 : 0)',
  ],
  domestic_abuse: [
    concernRule(['domestic_abuse'], '#.severity * 2', 365,
      { self: 1.0, carer: 1.0, household: 0.75, involved: 1.0 }),
    `(len(filter(concerns, ${FAMILY} and #.category == "domestic_abuse" and ${COUNTS} and ` +
      `${within(365)})) >= 3 ? 6 : 0)`,
    factorRule(['safety_plan'], '-#.strength * 1.5', 6, SELF),
  ],
  exploitation: [
    concernRule(['missing_episode'], '#.severity * 2', 180, SELF),
    concernRule(['cse_indicator', 'cce_indicator', 'county_lines'], '#.severity * 2.5', 365,
      { self: 1.0, associate: 0.25 }),
    concernRule(['radicalisation'], '#.severity * 2', 365, SELF),
  ],
};
// fgm-strategy-discussion reads a family concern's path, the first family role it arrives by;
// roles come in the library's role order (self, sibling, ...), so the path is self or sibling
// exactly when either is among them.
const policyMinimum =
  '(len(filter(concerns, "self" in #.roles and #.category == "sexual_abuse" and ' +
  '#.status == "open")) >= 1 or (age != null and age < 1 and len(filter(concerns, ' +
  '"self" in #.roles and #.category in ["physical_injury", "non_accidental_injury"] and ' +
  `${COUNTS} and #.severity >= 4 and ${within(30)})) >= 1) or ` +
  'len(filter(concerns, #.category == "female_genital_mutilation" and ' +
  `${COUNTS} and ("self" in #.roles or "sibling" in #.roles))) >= 1 or ` +
  'len(filter(concerns, "self" in #.roles and #.category == "bruising_non_mobile_baby" and ' +
  `${COUNTS} and ${within(30)})) >= 1 or on_plan) ? 3 : -1`;

const levelOf = (key) => `(${key} >= 16 ? 3 : (${key} >= 8 ? 2 : (${key} >= 4 ? 1 : 0)))`;
const node = (id, type, content) =>
  ({ id, type, name: id, position: { x: 0, y: 0 }, ...(content ? { content } : {}) });
let expressionId = 0;
const expressions = (entries) => ({
  expressions: entries.map(([key, value]) => ({ id: `e${expressionId++}`, key, value })),
});

const decision = {
  nodes: [
    node('input', 'inputNode'),
    node('pack', 'expressionNode', expressions([
      ...Object.entries(scores).map(([index, parts]) => [index, parts.join(' + ')]),
      ['policy_minimum', policyMinimum],
      ['discretionary', 'discretionary'],
    ])),
    node('levels', 'expressionNode', expressions([
      ['a', levelOf('abuse')], ['n', levelOf('neglect')], ['d', levelOf('domestic_abuse')],
      ['x', levelOf('exploitation')],
      ['before', 'max([$.a, $.n, $.d, $.x, policy_minimum])'],
      ['level', 'discretionary == "raise" and $.before < 3 ? $.before + 1 : ' +
        '(discretionary == "lower" and $.before > 0 and $.before - 1 >= policy_minimum ? ' +
        '$.before - 1 : $.before)'],
    ])),
    node('output', 'outputNode'),
  ],
  edges: [
    { id: 'a', sourceId: 'input', targetId: 'pack', type: 'edge' },
    { id: 'b', sourceId: 'pack', targetId: 'levels', type: 'edge' },
    { id: 'c', sourceId: 'levels', targetId: 'output', type: 'edge' },
  ],
};

async function main() {
  const [factsPath, outPath] = process.argv.slice(2);
  const { children } = JSON.parse(fs.readFileSync(factsPath, 'utf8'));
  const engine = new ZenEngine();
  const pack = engine.createDecision(decision);
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const missed = [];
  for (const child of children) {
    const agencies = new Set();
    for (const c of child.concerns) {
      if (c.roles.some((r) => r !== 'associate') && c.age_days >= 0 && c.age_days <= 180 &&
          c.status === 'open' && CARE_CATEGORIES.includes(c.category)) agencies.add(c.agency);
    }
    const { result } = await pack.evaluate({ ...child, family_open_agencies_180: agencies.size });
    if (result.level !== child.level) {
      missed.push({ id: child.id, safeguard: child.level, peer: result.level });
    }
  }
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  // ZEN evaluates on its own threads too: process CPU time counts them.
  const used = process.cpuUsage(cpu);
  const figures = { peer: 'zen-engine', children: children.length,
    cpu_s: (used.user + used.system) / 1e6, wall_s: wall, ...agreement(missed, children.length) };
  console.log(JSON.stringify(figures));
  if (outPath) fs.writeFileSync(outPath, JSON.stringify(figures, null, 2));
}

main().catch((error) => { console.error(error); process.exit(1); });
