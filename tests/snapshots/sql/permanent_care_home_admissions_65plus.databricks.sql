SELECT num.period_start, num.area, num.numerator, den.denominator AS denominator 
FROM (SELECT trunc(CAST(care_home_admissions.admission_date AS DATE), 'QUARTER') AS period_start, care_home_admissions.area_code AS area, count(*) AS numerator 
FROM care_home_admissions 
WHERE care_home_admissions.permanent = :`permanent_1` AND care_home_admissions.age >= :`age_1` GROUP BY trunc(CAST(care_home_admissions.admission_date AS DATE), 'QUARTER'), care_home_admissions.area_code) AS num LEFT OUTER JOIN (SELECT add_months(trunc(add_months(CAST(population.year_start AS DATE), -3), 'YEAR'), 3) AS period_start, population.area_code AS area, sum(population.persons) AS denominator 
FROM population 
WHERE population.age_band IN (__[POSTCOMPILE_age_band_1]) GROUP BY add_months(trunc(add_months(CAST(population.year_start AS DATE), -3), 'YEAR'), 3), population.area_code) AS den ON den.period_start = add_months(trunc(add_months(CAST(num.period_start AS DATE), -3), 'YEAR'), 3) AND den.area = num.area ORDER BY num.period_start, num.area
