-- 工号 and 部门 of a roster entry: the columns a payroll sheet files people by.
ALTER TABLE accounts ADD COLUMN employee_no TEXT;
ALTER TABLE accounts ADD COLUMN department TEXT;
