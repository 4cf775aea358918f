SELECT num.period_start, num.area, num.numerator, den.denominator AS denominator 
FROM (SELECT DATEFROMPARTS(YEAR(care_home_admissions.admission_date), MONTH(care_home_admissions.admission_date) - (MONTH(care_home_admissions.admission_date) - 1) % 3, 1) AS period_start, care_home_admissions.area_code AS area, count(*) AS numerator 
FROM care_home_admissions 
WHERE care_home_admissions.permanent = :permanent_1 AND care_home_admissions.age >= :age_1 GROUP BY DATEFROMPARTS(YEAR(care_home_admissions.admission_date), MONTH(care_home_admissions.admission_date) - (MONTH(care_home_admissions.admission_date) - 1) % 3, 1), care_home_admissions.area_code) AS num LEFT OUTER JOIN (SELECT DATEFROMPARTS(YEAR(DATEADD(month, -3, population.year_start)), 4, 1) AS period_start, population.area_code AS area, sum(population.persons) AS denominator 
FROM population 
WHERE population.age_band IN (__[POSTCOMPILE_age_band_1]) GROUP BY DATEFROMPARTS(YEAR(DATEADD(month, -3, population.year_start)), 4, 1), population.area_code) AS den ON den.period_start = DATEFROMPARTS(YEAR(DATEADD(month, -3, num.period_start)), 4, 1) AND den.area = num.area ORDER BY num.period_start, num.area
