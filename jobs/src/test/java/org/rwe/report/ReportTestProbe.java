package org.rwe.report;

/** What the browser tests ask a loaded report. */
public final class ReportTestProbe {
  private ReportTestProbe() {}

  public static final String PROBE =
      "{sections: [...document.querySelectorAll('main > section')].map(s => s.id),"
          + " svgs: document.querySelectorAll('svg').length,"
          + " scrollWidth: document.documentElement.scrollWidth,"
          + " height: document.documentElement.scrollHeight,"
          + " title: document.title}";
}
