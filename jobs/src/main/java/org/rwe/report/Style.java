package org.rwe.report;

/** The report's style sheet, inline. Target blue, comparator orange: a colour-blind-safe pair. */
final class Style {
  private Style() {}

  static final String CSS =
      """
      :root { --t: #1f6fb2; --c: #d9711c; --ink: #1d232b; --muted: #5c6670; --line: #d7dde3;
        --bg: #f6f8fa; --pass: #1e7b34; --fail: #b3261e; }
      * { box-sizing: border-box; }
      body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
        color: var(--ink); background: #fff; }
      header { padding: 20px 32px 8px; border-bottom: 1px solid var(--line); background: var(--bg); }
      h1 { margin: 0 0 4px; font-size: 24px; }
      h2 { font-size: 19px; margin: 0 0 10px; padding-top: 8px; }
      h3 { font-size: 15px; margin: 14px 0 6px; }
      .lede { margin: 0 0 4px; font-size: 15px; }
      .meta, .note { color: var(--muted); }
      .note { max-width: 900px; }
      nav { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 10px 0 6px; }
      nav a { color: var(--t); text-decoration: none; }
      nav a:hover { text-decoration: underline; }
      main { padding: 4px 32px 24px; max-width: 1280px; }
      section { padding: 14px 0 10px; border-bottom: 1px solid var(--line); }
      footer { padding: 12px 32px 24px; color: var(--muted); font-size: 12px; }
      code { font-size: 12px; background: var(--bg); padding: 1px 4px; border-radius: 3px; }
      pre { font-size: 11px; white-space: pre-wrap; word-break: break-all; background: var(--bg);
        padding: 8px; max-height: 360px; overflow: auto; }
      small { color: var(--muted); font-weight: normal; }
      th small { white-space: nowrap; }
      small.win { white-space: nowrap; font-size: 11px; }
      .absent { color: var(--muted); font-style: italic; }
      .masked { color: var(--muted); }
      .withheld { color: var(--muted); }
      dl.design { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 0 0 8px; }
      dl.design dt { color: var(--muted); }
      dl.design dd { margin: 0; }
      .cols { display: flex; flex-wrap: wrap; gap: 8px 40px; }
      table.grid { border-collapse: collapse; margin: 4px 0 8px; }
      table.grid th, table.grid td { border-bottom: 1px solid var(--line); padding: 3px 8px;
        text-align: left; vertical-align: middle; }
      table.grid thead th { background: var(--bg); font-weight: 600; }
      td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
      tr.family td { background: var(--bg); font-weight: 600; }
      tr.nc td { color: #3d4650; }
      td.high { color: var(--fail); font-weight: 600; }
      table.facts th { font-weight: normal; color: var(--muted); background: none; }
      .box { border: 1px solid var(--line); border-radius: 6px; padding: 8px 16px; background: #fbfcfd; }
      .verdict { font-size: 15px; }
      ul.headline { font-size: 15px; margin: 6px 0; padding-left: 20px; }
      ul.headline li { margin: 2px 0; }
      #key-results { border: 2px solid var(--line); border-radius: 8px; padding: 4px 16px 8px; }
      details.more > summary { cursor: pointer; color: var(--muted); margin: 8px 0; }
      svg .favours { font-size: 10px; fill: var(--muted); }
      .badge { display: inline-block; min-width: 38px; text-align: center; font-size: 11px;
        font-weight: 700; padding: 1px 6px; border-radius: 10px; color: #fff; }
      .badge.pass { background: var(--pass); }
      .badge.fail { background: var(--fail); }
      .badge.ne { background: #8a939b; }
      .flow { display: flex; flex-direction: column; align-items: stretch; max-width: 520px; }
      .branches { display: flex; flex-wrap: wrap; gap: 0 32px; }
      .branches .flow { width: 480px; }
      .branches .flow h3 { margin-top: 10px; min-height: 2.9em; }
      .step { border: 1px solid #aab4be; border-radius: 5px; padding: 5px 10px; background: #fff; }
      .step .desc { font-size: 13px; }
      .step .n { display: flex; gap: 18px; font-variant-numeric: tabular-nums; font-weight: 600; }
      .step .t { color: var(--t); }
      .step .c { color: var(--c); }
      .arrow { position: relative; min-height: 22px; margin-left: 24px; padding-left: 18px;
        border-left: 2px solid #aab4be; font-size: 12px; color: var(--muted);
        display: flex; gap: 14px; align-items: center; }
      .charts { display: flex; flex-wrap: wrap; gap: 8px 28px; }
      figure { margin: 6px 0; }
      figcaption { color: var(--muted); font-size: 12px; max-width: 460px; }
      svg { overflow: visible; }
      svg text { font: 11px system-ui, sans-serif; fill: var(--ink); }
      svg .tick { fill: var(--muted); }
      svg .mid { text-anchor: middle; }
      svg .end { text-anchor: end; }
      svg .axis-title { font-size: 12px; fill: var(--ink); }
      svg .legend { font-size: 12px; }
      svg .axis { stroke: #66707a; stroke-width: 1; }
      svg .grid { stroke: #eceff2; stroke-width: 1; }
      svg .diag { stroke: #9aa3ab; stroke-dasharray: 3 3; }
      svg .threshold { stroke: var(--fail); stroke-dasharray: 5 4; }
      svg .ref { stroke: #66707a; stroke-width: 1; stroke-dasharray: 2 2; }
      svg .pt { fill: var(--t); fill-opacity: 0.55; stroke: none; }
      svg .pt.bad { fill: var(--fail); fill-opacity: 0.9; }
      svg .pt.nc { fill: var(--t); fill-opacity: 0.7; }
      svg .pt.nc-sig { fill: var(--c); fill-opacity: 0.95; }
      svg .band { fill: #e9eef3; }
      svg .area.target { fill: var(--t); fill-opacity: 0.35; stroke: var(--t); }
      svg .area.comparator { fill: var(--c); fill-opacity: 0.35; stroke: var(--c); }
      svg .key.target { fill: var(--t); }
      svg .key.comparator { fill: var(--c); }
      svg .band.target { fill: var(--t); fill-opacity: 0.15; }
      svg .band.comparator { fill: var(--c); fill-opacity: 0.15; }
      svg .curve { fill: none; stroke-width: 1.8; }
      svg .curve.target { stroke: var(--t); }
      svg .curve.comparator { stroke: var(--c); }
      svg .target-text { fill: var(--t); font-weight: 600; }
      svg .comparator-text { fill: var(--c); font-weight: 600; }
      svg .funnel { fill: none; stroke: #9aa3ab; stroke-dasharray: 4 3; }
      svg .ci { stroke: var(--ink); stroke-width: 1.5; }
      svg .ci.cal { stroke: var(--c); }
      svg .arrowhead { fill: var(--ink); stroke: none; }
      svg .ci.cal.arrowhead { fill: var(--c); }
      svg .est { fill: var(--ink); }
      svg .est.cal { fill: #fff; stroke: var(--c); stroke-width: 1.5; }
      table.forest td.plot, table.forest th.plot { padding: 0 4px; }
      table.forest td { padding-top: 1px; padding-bottom: 1px; border-bottom: none; }
      table.forest tr.first td { border-top: 1px solid var(--line); }
      @media print { nav { display: none; } section { break-inside: avoid-page; } }
      """;
}
