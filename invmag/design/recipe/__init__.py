"""Recipes (docs/recipes.md): grain density and maximum misorientation searched for a goal on the
statistics of the surrogate's predictions over realizations of the recipe.

goal          — a goal on the statistics of realizations; the search's settings
realizations  — a recipe, its box, its realizations (common random numbers)
stats         — statistics of the anchors over realizations: mean, spread, quantiles, yield
recipe_search — the pymoo search over the recipe box, the best distinct recipes ranked
make          — make_recipes(), verify_recipe(): a run's recipes, searched and verified
recipe_folder — recipe folders runs/<name>/recipes/<id>/ (recipe.json, CSV), the newest
plots  — predicted distributions, the recipe map, predicted vs simulated distributions
"""
