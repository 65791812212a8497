"""Recipes (docs/recipes.md): grain density and maximum misorientation searched for a goal on the
statistics of the surrogate's predictions over realizations of the recipe.

stats  — a recipe, its realizations (common random numbers), their statistics, goal, box, settings
search — the pymoo search over the recipe box, the best distinct recipes ranked
run    — the recipes of a run as one API: make_recipes(), verify_recipe()
files  — recipe folders runs/<name>/recipes/<id>/ (recipe.json, CSV), the run's newest result
plots  — predicted distributions, the recipe map, predicted vs simulated distributions
"""
