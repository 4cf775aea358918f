SELECT num.period_start, num.area, num.numerator, den.denominator AS denominator 
FROM (SELECT date(hospital_admissions.admission_date, 'start of month') AS period_start, hospital_admissions.area_code AS area, count(*) AS numerator 
FROM hospital_admissions 
WHERE hospital_admissions.admission_method = ? AND hospital_admissions.cause = ? AND hospital_admissions.age >= ? GROUP BY date(hospital_admissions.admission_date, 'start of month'), hospital_admissions.area_code) AS num LEFT OUTER JOIN (SELECT date(population.year_start, 'start of month', '-3 months', 'start of year', '+3 months') AS period_start, population.area_code AS area, sum(population.persons) AS denominator 
FROM population 
WHERE population.age_band IN (__[POSTCOMPILE_age_band_1]) GROUP BY date(population.year_start, 'start of month', '-3 months', 'start of year', '+3 months'), population.area_code) AS den ON den.period_start = date(num.period_start, 'start of month', '-3 months', 'start of year', '+3 months') AND den.area = num.area ORDER BY num.period_start, num.area
