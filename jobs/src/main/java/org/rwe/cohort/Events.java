package org.rwe.cohort;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.rwe.omop.CdmTable;

/** Rows of a clinical table that match a resolved concept set, as (person_id, event_date). */
public final class Events {
  private Events() {}

  /** The concept column and source concept column of a domain table. */
  static String[] conceptColumns(CdmTable table) {
    return switch (table) {
      case CONDITION_OCCURRENCE ->
          new String[] {"condition_concept_id", "condition_source_concept_id"};
      case DRUG_EXPOSURE -> new String[] {"drug_concept_id", "drug_source_concept_id"};
      case DRUG_ERA -> new String[] {"drug_concept_id", null};
      case PROCEDURE_OCCURRENCE ->
          new String[] {"procedure_concept_id", "procedure_source_concept_id"};
      case MEASUREMENT -> new String[] {"measurement_concept_id", "measurement_source_concept_id"};
      case OBSERVATION -> new String[] {"observation_concept_id", "observation_source_concept_id"};
      default -> throw new IllegalArgumentException(table + " has no concepts");
    };
  }

  /** Matches on the standard concept or on the source concept. */
  public static Column inSet(CdmTable table, Set<Long> conceptIds) {
    String[] cols = conceptColumns(table);
    if (conceptIds.isEmpty()) {
      return lit(false);
    }
    Object[] ids = conceptIds.toArray();
    Column standard = col(cols[0]).isin(ids);
    return cols[1] == null
        ? standard
        : standard.or(org.apache.spark.sql.functions.coalesce(col(cols[1]).isin(ids), lit(false)));
  }

  public static Dataset<Row> matching(Dataset<Row> rows, CdmTable table, Set<Long> conceptIds) {
    return rows.filter(inSet(table, conceptIds));
  }

  public static CdmTable domainTable(String domain) {
    return switch (domain) {
      case "condition" -> CdmTable.CONDITION_OCCURRENCE;
      case "drug" -> CdmTable.DRUG_EXPOSURE;
      case "procedure" -> CdmTable.PROCEDURE_OCCURRENCE;
      case "measurement" -> CdmTable.MEASUREMENT;
      case "observation" -> CdmTable.OBSERVATION;
      default -> throw new IllegalArgumentException("Unknown domain " + domain);
    };
  }

  static final List<String> EVENT_COLUMNS =
      List.of("person_id", "event_date", "visit_occurrence_id");

  /** (person_id, event_date, visit_occurrence_id) of the matching rows of a table. */
  public static Dataset<Row> dated(Dataset<Row> rows, CdmTable table, Set<Long> conceptIds) {
    return matching(rows, table, conceptIds)
        .select(
            col("person_id"), col(table.startDate()).as("event_date"), col("visit_occurrence_id"));
  }
}
