# R did's counterpart of `ebpm estimate --json` on the bench's panel (bench/r-did-reference.ts times it where R and
# did are installed; issue 30 asks for `ebpm estimate` at least 20 times faster). The same estimate as ebpm's
# defaults: never-treated controls, doubly robust, varying base period, no covariates, analytic standard errors
# (ebpm bootstraps only when asked), the group-time ATTs and the four aggregations ebpm's JSON carries.
# Usage: Rscript did-estimate.R PANEL.csv   (columns id, period, group, y; group 0 for never treated)
# Prints one line, "did VERSION simple ATT SE", so the bench can check that both estimated the same thing.
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) stop("usage: Rscript did-estimate.R PANEL.csv")
suppressPackageStartupMessages(library(did))
panel <- data.table::fread(args[1], data.table = FALSE, showProgress = FALSE)
attgt <- att_gt(
  yname = "y", tname = "period", idname = "id", gname = "group", data = panel,
  control_group = "nevertreated", est_method = "dr", base_period = "varying",
  bstrap = FALSE, cband = FALSE
)
aggregations <- lapply(c("simple", "dynamic", "group", "calendar"), function(type) {
  aggte(attgt, type = type, bstrap = FALSE, cband = FALSE)
})
cat(sprintf("did %s simple %.15g %.15g\n", as.character(packageVersion("did")), aggregations[[1]]$overall.att, aggregations[[1]]$overall.se))
