package org.rwe.cohort;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.rwe.config.OutcomeDefinition;
import org.rwe.omop.CdmTable;

/**
 * A continuous outcome per cohort row: the latest value of the measurement in the baseline window,
 * the value nearest the target day in the follow-up window (ties: the earlier day, then the smaller
 * measurement id), and their difference. Rows without both values have no change.
 */
public final class MeasurementChange {
  private MeasurementChange() {}

  /** (outcome_id, row_id, baseline_value, follow_up_value, change) */
  public static Dataset<Row> compute(
      Dataset<Row> cohort, Dataset<Row> measurement, Set<Long> conceptSet, OutcomeDefinition o) {
    Dataset<Row> values =
        Events.matching(measurement, CdmTable.MEASUREMENT, conceptSet)
            .filter(col("value_as_number").isNotNull())
            .select(
                col("person_id").as("_p"),
                col("measurement_id"),
                col("measurement_date"),
                col("value_as_number"));
    Dataset<Row> relative =
        cohort
            .select("row_id", "person_id", "cohort_start_date")
            .join(values, col("person_id").equalTo(col("_p")))
            .withColumn("_day", datediff(col("measurement_date"), col("cohort_start_date")));
    Dataset<Row> baseline =
        relative
            .filter(col("_day").between(o.baselineDays().get(0), o.baselineDays().get(1)))
            .withColumn(
                "_n",
                row_number()
                    .over(
                        Window.partitionBy("row_id")
                            .orderBy(col("_day").desc(), col("measurement_id").desc())))
            .filter(col("_n").equalTo(1))
            .select(col("row_id"), col("value_as_number").as("baseline_value"));
    Dataset<Row> followUp =
        relative
            .filter(col("_day").between(o.followUpDays().get(0), o.followUpDays().get(1)))
            .withColumn(
                "_n",
                row_number()
                    .over(
                        Window.partitionBy("row_id")
                            .orderBy(
                                abs(col("_day").minus(o.followUpTargetDay())),
                                col("_day"),
                                col("measurement_id"))))
            .filter(col("_n").equalTo(1))
            .select(col("row_id"), col("value_as_number").as("follow_up_value"));
    return baseline
        .join(followUp, "row_id")
        .select(
            lit(o.outcomeId()).as("outcome_id"),
            col("row_id"),
            col("baseline_value"),
            col("follow_up_value"),
            col("follow_up_value").minus(col("baseline_value")).as("change"));
  }
}
