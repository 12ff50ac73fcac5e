"""Nightly run of the magnesium-depression study with Airflow's SparkSubmitOperator.

The Airflow connection `spark_rwe` says where Spark runs (docs/operations.md, "Airflow"):
  host  yarn  (or spark://master:7077, k8s://https://api:6443)
  extra {"deploy-mode": "client", "spark-binary": "spark-submit"}
Client mode keeps the pipeline's exit code (2 configuration, 3 input, 4 diagnostics,
5 output) as the task's: Airflow logs "Error code is: N" when a run fails.

The run id is the schedule's logical date ({{ ds_nodash }}), not the wall clock: a retry after
midnight, or a manual re-run of that night, continues the same run (stages whose output is
complete and current are skipped, and readers never see a partial run). Retries are only worth
it for errors that may pass (1 internal, 5 output); RweSubmit fails at once, without retrying, on
2 (configuration), 3 (input) and 4 (diagnostics or disclosure): those need a person.
"""

import re
from datetime import datetime, timedelta

from airflow import DAG
from airflow.exceptions import AirflowException, AirflowFailException
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

# Exit codes that another attempt cannot fix (org.rwe.cli.ExitCode).
NO_RETRY = {2, 3, 4}


class RweSubmit(SparkSubmitOperator):
    """spark-submit of rwe: a failure with an exit code in NO_RETRY is final (no retry)."""

    def execute(self, context):
        try:
            return super().execute(context)
        except AirflowException as e:
            # SparkSubmitHook reports the driver's exit code as "... Error code is: N."
            code = re.search(r"Error code is: (\d+)", str(e))
            if code and int(code.group(1)) in NO_RETRY:
                raise AirflowFailException(str(e)) from e
            raise


RWE_HOME = "/opt/rwe"  # the release: target/rwe.jar and conf/ copied here
INPUT = "hdfs:///data/omop/current"  # the nightly OMOP extract
OUTPUT = "hdfs:///data/rwe/output"  # runs land in OUTPUT/magnesium-depression/<run id>/

with DAG(
    dag_id="rwe_magnesium_depression_nightly",
    schedule="30 2 * * *",
    start_date=datetime(2026, 12, 1),
    catchup=False,
    max_active_runs=1,  # one run of a study at a time (docs/operations.md, "Limits")
    default_args={"retries": 1, "retry_delay": timedelta(minutes=30)},
    tags=["rwe"],
) as dag:
    # Fails fast (exit 2 or 3) on a bad configuration or a broken extract, before the cluster
    # spends an hour on it.
    check = RweSubmit(
        task_id="dry_run",
        conn_id="spark_rwe",
        application=f"{RWE_HOME}/rwe.jar",
        java_class="org.rwe.cli.Main",
        name="rwe-magnesium-depression-dry-run",
        driver_memory="2g",
        conf={"spark.log.level": "WARN"},
        application_args=[
            "run",
            "--conf", f"{RWE_HOME}/conf/studies/magnesium-depression.conf",
            "--input", INPUT,
            "--output", OUTPUT,
            "--dry-run",
        ],
        retries=0,
    )

    run = RweSubmit(
        task_id="run",
        conn_id="spark_rwe",
        application=f"{RWE_HOME}/rwe.jar",
        java_class="org.rwe.cli.Main",
        name="rwe-magnesium-depression",
        driver_memory="8g",
        executor_memory="8g",
        executor_cores=4,
        num_executors=10,
        conf={
            "spark.log.level": "WARN",
            "spark.sql.shuffle.partitions": "400",
        },
        application_args=[
            "run",
            "--conf", f"{RWE_HOME}/conf/studies/magnesium-depression.conf",
            "--input", INPUT,
            "--output", OUTPUT,
            "--run-id", "{{ ds_nodash }}",
        ],
        execution_timeout=timedelta(hours=6),
    )

    check >> run
