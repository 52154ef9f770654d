module github.com/evoprune/evoprune/tools/gotchsetup

go 1.22

require github.com/sugarme/gotch v0.9.1
