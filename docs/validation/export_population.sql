-- DuckDB: one row per subject of analysis 1 / outcome 1 with the measured confounders, for
-- outcome_regression.R. Replace RUN with the run directory (person-level outputs: keep them in
-- the restricted area, never under results/).
copy (
with sp as (select * from 'RUN/match/study_population/*.parquet' where analysis_id=1 and outcome_id=1),
cv as (select * from 'RUN/features/covariates/*.parquet'),
c as (select * from 'RUN/cohort/cohort/*.parquet' where cohort_definition_id=1),
m as (select row_id, stratum_id from 'RUN/match/study_population/*.parquet' where analysis_id=2 and outcome_id=1)
select sp.row_id, sp.person_id, sp.treatment, sp.propensity_score ps, sp.survival_time,
 case when sp.outcome_count>0 then 1 else 0 end ev, m.stratum_id,
 (c.subject_id is not null and sp.treatment=0)::int fi,
 max(case when covariate_id=8532001 then 1 else 0 end) female,
 max(case when covariate_id in (13003,14003,15003,16003,17003,18003,19003,20003) then 1 else 0 end) age65,
 max(case when covariate_id=2000000083410 then 1 else 0 end) ppi,
 max(case when covariate_id=21000000011710 then 1 else 0 end) lowmg,
 max(case when covariate_id=2000000019210 then 1 else 0 end) hypomg,
 max(case when covariate_id=2000000006210 then 1 else 0 end) severe,
 max(case when covariate_id=2000000009210 then 1 else 0 end) anxiety,
 max(case when covariate_id=2000000012210 then 1 else 0 end) ckd,
 max(case when covariate_id=2000000014210 then 1 else 0 end) diab
from sp left join cv on cv.row_id=sp.row_id left join m on m.row_id=sp.row_id
 left join c on c.subject_id=sp.person_id
group by all) to 'pop.csv' (header);
