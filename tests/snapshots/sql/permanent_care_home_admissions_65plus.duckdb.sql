SELECT num.period_start, num.area, num.numerator, den.denominator AS denominator 
FROM (SELECT CAST(date_trunc('quarter', care_home_admissions.admission_date) AS DATE) AS period_start, care_home_admissions.area_code AS area, count(*) AS numerator 
FROM care_home_admissions 
WHERE care_home_admissions.permanent = %(permanent_1)s AND care_home_admissions.age >= %(age_1)s GROUP BY CAST(date_trunc('quarter', care_home_admissions.admission_date) AS DATE), care_home_admissions.area_code) AS num LEFT OUTER JOIN (SELECT CAST(date_trunc('year', CAST(population.year_start AS DATE) - INTERVAL '3 months') + INTERVAL '3 months' AS DATE) AS period_start, population.area_code AS area, sum(population.persons) AS denominator 
FROM population 
WHERE population.age_band IN (__[POSTCOMPILE_age_band_1]) GROUP BY CAST(date_trunc('year', CAST(population.year_start AS DATE) - INTERVAL '3 months') + INTERVAL '3 months' AS DATE), population.area_code) AS den ON den.period_start = CAST(date_trunc('year', CAST(num.period_start AS DATE) - INTERVAL '3 months') + INTERVAL '3 months' AS DATE) AND den.area = num.area ORDER BY num.period_start, num.area
