"""The prediction systems this backfill writes, by id: the one definition the models, the owned-rows filter of
the shared predictions and grading tables, and the config's checks read. Pure constants: importing it is free
(the models themselves import pandas)."""

MA = "moving_average_baseline_v1"
ZM = "zone_matchup_v1"
SIM = "similarity_balanced_v1"
XGB = "xgboost_v1"
ENS = "ensemble_v1"
ENS2 = "ensemble_v2"
LINE = "line_blend_v1"
SYSTEM_IDS = (MA, ZM, SIM, XGB, ENS, ENS2, LINE)
