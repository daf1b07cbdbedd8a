/** What each command does and takes; kept apart from the commands so that `ebpm help` loads nothing heavy. */
export const USAGE = {
  demo:
    'ebpm demo [--seed N] [--applicants N] | demo --all\n' +
      '    everything end to end on synthetic data: database, Temporal, ingest, KPIs, effect estimate, BI views;\n' +
      '    --all evaluates every catalogue programme (built-in and EBPM_CATALOGUE_DIR) in one scheduled run; one that\n' +
      '    fails (its file does not validate, its data cannot be made) is named with the reason, the others run (exit 1)',
  study:
    'ebpm study --programme ID --applicants FILE --outcomes FILE [--statistics FILE] [--replaces] [--json] [--deployed-worker]\n' +
      '    run one evaluation now and print its progress and result; by default a worker runs in this process\n' +
      '    (--deployed-worker leaves the work to `ebpm worker` processes on EBPM_TASK_QUEUE, which must see the files)' +
      '\n' +
    'ebpm study adhoc --programme ID [--outcome O,…] [--subgroup COLUMN=V1,V2 …] [--by COLUMN] [--control never|notyet]\n' +
      '                 [--method dr|ipw|reg] [--covariates a,b] [--anticipation K] [--missing-years MODE] [--note TEXT] [--json]\n' +
      '    an exploratory study on the data already loaded: the registered spec with these overrides, kept apart from the\n' +
      '    pre-registered results (bi.exploratory_effects only); --by estimates per group and tests whether they differ',
  runs:
    'ebpm runs list [--programme ID] [--kind scheduled|pre-registered|exploratory] [--limit N] [--json]\n' +
      'ebpm runs show RUN [--json] | watch RUN | cancel RUN\n' +
      '    evaluation runs and exploratory studies (RUN: a run key, its first six or more characters, or the workflow id);\n' +
      '    watch and cancel need TEMPORAL_ADDRESS (the server the run is on); watch follows any workflow by its id',
  estimate:
    'ebpm estimate --data FILE.csv --outcome Y --time T --id ID --group G [--control never|notyet] [--covariates a,b]\n' +
      '              [--method dr|ipw|reg] [--anticipation K] [--base-period varying|universal] [--bootstrap B --seed S]\n' +
      '              [--unbalanced [paired] | --repeated-cross-sections] [--weights COLUMN] [--twfe]\n' +
      '              [--sensitivity [--min-e E --max-e E] [--mbar 0,0.5,1,1.5,2] [--m M1,M2,...]] [--json]\n' +
      "    staggered difference-in-differences (Callaway & Sant'Anna) on a CSV panel; needs neither Temporal nor Postgres.\n" +
      '    Units missing some years are dropped unless --unbalanced (R did\'s unbalanced mode) or --unbalanced paired\n' +
      '    (each comparison from the units seen in both its years); --repeated-cross-sections: every row its own\n' +
      '    observation (--id not needed); --weights: sampling weights, constant within a unit for panels;\n' +
      '    --sensitivity: how far parallel trends may fail before the event-study effects are overturned (as\n' +
      '    ebpm sensitivity, on the estimate\'s own event study with a universal base period)',
  sdid:
    'ebpm sdid --data FILE.csv --unit U --time T --outcome Y --treated D [--placebo-draws B [--seed S]] [--json]\n' +
      '    synthetic difference-in-differences (as R synthdid) with synthetic control and DiD beside it, for a few\n' +
      '    treated units adopting at one date; jackknife SE with more than one treated unit, placebo SE with B draws',
  rd:
    'ebpm rd --data FILE.csv --outcome Y --score X --cutoff C [--fuzzy D] [--kernel triangular|epanechnikov|uniform]\n' +
      '        [--p N] [--bwselect mserd|msetwo|msesum|msecomb1|msecomb2|cerrd|certwo|cersum|cercomb1|cercomb2]\n' +
      '        [--vce nn|hc0|hc1|hc2|hc3] [--covariates a,b] [--json]\n' +
      '    regression discontinuity on a review score (as R rdrobust 4.0.0): conventional, bias-corrected and robust\n' +
      '    inference with MSE/CER-optimal bandwidths and the mass-point adjustment; --fuzzy: the award indicator',
  sensitivity:
    'ebpm sensitivity --input FILE.json [--mbar 0,0.5,1,1.5,2] [--m M1,M2,...] [--json]\n' +
      '    how far parallel trends may fail before an effect is overturned (Rambachan & Roth, as R HonestDiD 0.2.6):\n' +
      '    relative-magnitude (C-LF) and smoothness (FLCI) intervals and breakdown values for the award-year and the\n' +
      '    average post-award effect; FILE.json holds betahat, sigma, num_pre_periods, num_post_periods (no e = -1);\n' +
      '    --m defaults to HonestDiD\'s ten values up to the pre-period bound',
  schedule:
    'ebpm schedule create --id ID (--programme ID --applicants FILE --outcomes FILE | --all --data-dir DIR)\n' +
      '                     (--cron EXPR | --every DURATION) [--replaces] [--note TEXT]\n' +
      'ebpm schedule list | delete --id ID | trigger --id ID\n' +
      '    scheduled evaluation runs (Temporal Schedules); needs TEMPORAL_ADDRESS and `ebpm worker` running',
  worker:
    'ebpm worker [--metrics-port P]\n' +
      '    run a worker on EBPM_TASK_QUEUE until SIGTERM/SIGINT (for deployments and schedules); --metrics-port (or\n' +
      '    EBPM_METRICS_PORT) serves Prometheus text at :P/metrics and a health check at :P/healthz',
  migrate:
    'ebpm migrate    create the database if missing and apply pending migrations',
  generate:
    'ebpm generate --out DIR [--programme ID | --all] [--seed N] [--applicants N] [--no-invalid-rows]\n' +
      '    write synthetic applicants.csv, outcomes.csv and manifest.json (true effects) for a programme (default\n' +
      '    sme-labour-saving), or for every catalogue programme in one folder each; drawn from the programme\'s\n' +
      '    syntheticProfile, or from defaults derived from its declared fields; with --all a programme that fails is\n' +
      '    named with the reason and the others are written (exit 1)\n' +
      'ebpm generate --review-sheets [N] [--seed S] [--year Y] --out DIR\n' +
      '    a synthetic review year of N projects (default 5700, a national year) in the published RS format (1-2, 2-1,\n' +
      '    3-1, 3-2, 4-1, 5-1: headers, UTF-8 with BOM, the published quirks), each under its published name marked\n' +
      '    _合成データ_synthetic, so that every output made from it says it is synthetic',
  temporal:
    'ebpm temporal install            build the Temporal CLI into .tools/bin when it is missing\n' +
      'ebpm temporal start [--port P]   run a persistent local dev server (history in .data/temporal.db) until interrupted',
  programmes:
    'ebpm programmes list [--json] | show ID [--json] | requirements ID [--format markdown|csv]\n' +
      'ebpm programmes validate [DIR] | freeze ID          [--catalogue DIR[:DIR…]]\n' +
      'ebpm programmes power ID [--replications N] [--seed S] [--loaded] [--json]\n' +
      'ebpm programmes register [ID] [--json] | registrations [ID] [--verify] [--json]\n' +
      '    register: record each frozen spec version\'s hash in the append-only, hash-chained log (DATABASE_URL), in\n' +
      '    database time, unless it is there (a run does the same for its spec); registrations: list the log, and with\n' +
      '    --verify recompute the chain and name the first broken row (exit 1 when it does not hold)\n' +
      '    the minimum detectable effect of the spec\'s design for the planned call; --loaded takes each outcome\'s spread\n' +
      '    and year-to-year correlation from the latest run\'s data before the first award (DATABASE_URL)\n' +
      'ebpm programmes draft-from-review-sheet PROJECT_ID [--year Y] [--out FILE]\n' +
      '    a catalogue draft from a loaded review sheet (DATABASE_URL); fields it cannot know are marked "TO COMPLETE: …",\n' +
      '    which `programmes validate` refuses, naming each\n' +
      '    the catalogue of programmes: logic models, indicators, call rounds, data requirements, frozen study specs;\n' +
      '    the built-in programmes plus those of the folders in EBPM_CATALOGUE_DIR (DIR[:DIR…]), or --catalogue BASE[:DIR…];\n' +
      '    a programme file that does not validate is reported and skipped, and commands about it fail with its problems',
  ingest:
    'ebpm ingest FILE --programme ID [--kind applicants|outcomes|statistics] [--format auto|csv|tsv|jsonl|xlsx] [--sheet NAME]\n' +
      '            [--encoding auto|utf8|cp932] [--replaces] [--json]\n' +
      '    load one file without Temporal: every row is loaded or quarantined with its reasons; prints the account.\n' +
      '    --replaces: the file supersedes the earlier files of its kind (applicants: in its call rounds), and\n' +
      '    earlier rows it no longer holds are retired (kept in core.retired_rows); without it a file adds',
  metabase:
    'ebpm metabase setup\n' +
      '    put the ready dashboard into a running Metabase, connected to the bi schema as bi_reader (MB_URL,\n' +
      '    MB_ADMIN_EMAIL, MB_ADMIN_PASSWORD, EBPM_BI_READER_PASSWORD; docker compose runs it for you)',
  quarantine:
    'ebpm quarantine list [--programme ID] [--json] | show FILE_ID [--limit N] [--json]\n' +
      '    the rows that failed validation, with the line, the reasons and the row as received',
  consent:
    'ebpm consent withdraw --programme ID --corporate-number N [--reason TEXT] [--json] | consent list [--programme ID] [--json]\n' +
      "    a firm withdraws its consent: its contact data is erased, its applications leave every later run, and an\n" +
      "    audit row keeps when and why (no personal data); later files cannot restore either",
  report:
    'ebpm report (--programme ID | --all) --out DIR [--format html|xlsx] [--public]\n' +
      '    self-contained HTML reports (logic model, KPI progress, event study with uniform band, cohort and year\n' +
      '    effects, pre-test, spec and lineage) and SVG event-study plots, from the latest runs; --format xlsx writes\n' +
      '    the 進捗管理・点検・評価表 (every indicator per fiscal year with yearly targets, verdicts and findings, headline effects), all\n' +
      '    programmes by default: progress-table-public.xlsx with --public (public views only), else progress-table-internal.xlsx\n' +
      '    (unsuppressed, marked 内部資料・公表不可 on every sheet); with --programme the file name ends in the programme id;\n' +
      '    the HTML report ends with the analysts\' exploratory studies, labelled as such, unless --public',
  'review-sheets':
    'ebpm review-sheets load PATH… [--json] [--deployed-worker]\n' +
      '    load the published 行政事業レビュー sheets (RS system CSVs named N-N_RS_YYYY_….csv; PATH a folder of one review\n' +
      '    year, a .zip of them (entry names UTF-8 or CP932), or single files) through a Temporal workflow: tables 1-2, 2-1, 3-1, 3-2,\n' +
      '    4-1, 5-1 (the others are listed, not loaded); every record loaded or quarantined with its reason, a file loaded\n' +
      '    before skipped, a new file of the same table and review year retires the earlier one; views bi.review_*\n' +
      'ebpm review-sheets check [--year Y] [--json]\n' +
      '    the findings of bi.review_findings counted by check, each in its own unit, and the projects flagged by check\n' +
      '    and ministry (default: the latest loaded review year)\n' +
      'ebpm review-sheets show PROJECT_ID [--year Y] [--json]\n' +
      '    a project\'s logic model as a tree with each indicator\'s latest target, actual and achievement, its budget and\n' +
      '    execution by year, and its findings (default: the latest review year loaded for it)\n' +
      'ebpm review-sheets files [--year Y] [--history] [--json]\n' +
      '    the files loaded (raw.review_sheet_files): table, review year, in force or retired (when, by which file),\n' +
      '    records, loaded, quarantined, when loaded, and the id that quarantine takes; --history: what happened to each\n' +
      '    file (loaded, retired, put back in force), newest first\n' +
      'ebpm review-sheets quarantine FILE_ID [--limit N] [--json]\n' +
      '    a file\'s records that were not loaded, with their lines and reasons (FILE_ID: 6 or more characters of its id;\n' +
      '    the first 50 by line unless --limit; --json gives every cell)',
} as const satisfies Record<string, string>;

export type CommandName = keyof typeof USAGE;
