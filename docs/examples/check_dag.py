"""Executes rwe_nightly_dag.py against a stand-in for Airflow (which cannot be installed here)
and prints the spark-submit command each task would run, built as Airflow's SparkSubmitHook
builds it. Proves that the DAG file is valid Python, that it uses only the operator arguments
listed below, and what it runs.  python3 docs/examples/check_dag.py
"""

import pathlib
import sys
import types

# The SparkSubmitOperator arguments this check knows (apache-airflow-providers-apache-spark).
KNOWN = {
    "task_id", "conn_id", "application", "java_class", "name", "driver_memory",
    "executor_memory", "executor_cores", "num_executors", "conf", "application_args",
    "retries", "execution_timeout", "files", "jars", "total_executor_cores", "verbose",
}
TASKS = []


class DAG:
    def __init__(self, dag_id, **kwargs):
        self.dag_id, self.kwargs = dag_id, kwargs

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class AirflowException(Exception):
    pass


class AirflowFailException(AirflowException):
    pass


class SparkSubmitOperator:
    def __init__(self, **kwargs):
        unknown = set(kwargs) - KNOWN
        if unknown:
            raise TypeError(f"unknown SparkSubmitOperator arguments: {sorted(unknown)}")
        self.kwargs = kwargs
        self.downstream = []
        TASKS.append(self)

    def __rshift__(self, other):
        self.downstream.append(other)
        return other

    def command(self, master="yarn", deploy_mode="client"):
        k = self.kwargs
        cmd = ["spark-submit", "--master", master, "--deploy-mode", deploy_mode]
        for key, value in k.get("conf", {}).items():
            cmd += ["--conf", f"{key}={value}"]
        for opt in ("num_executors", "executor_cores", "executor_memory", "driver_memory"):
            if opt in k:
                cmd += ["--" + opt.replace("_", "-"), str(k[opt])]
        cmd += ["--name", k["name"], "--class", k["java_class"], k["application"]]
        return cmd + list(k.get("application_args", []))

    def execute(self, context):
        # As SparkSubmitHook: a non-zero driver exit code is an AirflowException naming it.
        code = context["exit_code"]
        if code != 0:
            raise AirflowException(f"Cannot execute: spark-submit. Error code is: {code}.")


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


module("airflow", DAG=DAG)
module("airflow.exceptions", AirflowException=AirflowException,
       AirflowFailException=AirflowFailException)
for pkg in ("airflow.providers", "airflow.providers.apache", "airflow.providers.apache.spark",
            "airflow.providers.apache.spark.operators"):
    module(pkg)
module("airflow.providers.apache.spark.operators.spark_submit",
       SparkSubmitOperator=SparkSubmitOperator)

dag_file = pathlib.Path(__file__).with_name("rwe_nightly_dag.py")
exec(compile(dag_file.read_text(), str(dag_file), "exec"), {"__name__": "dag"})
assert [t.kwargs["task_id"] for t in TASKS] == ["dry_run", "run"], TASKS
assert TASKS[0].downstream == [TASKS[1]], "dry_run runs before run"
assert "{{ ds_nodash }}" in TASKS[1].kwargs["application_args"], "the logical date is the run id"
# Exit codes 2, 3, 4 fail the task for good; 1 and 5 stay retryable.
for code, final in ((1, False), (2, True), (3, True), (4, True), (5, False)):
    try:
        TASKS[1].execute({"exit_code": code})
        raise AssertionError(f"exit code {code} did not fail the task")
    except AirflowException as e:
        assert isinstance(e, AirflowFailException) == final, (code, type(e))
for t in TASKS:
    print(t.kwargs["task_id"] + ":\n  " + " ".join(t.command()))
