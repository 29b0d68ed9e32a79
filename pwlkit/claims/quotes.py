"""What the paper says, per claim: the line each `Finding` is set against."""

PAPER = {
    "weighted": "WARP and MAPE consistently lead Precision@0.5 and N@10 with enough data",
    "ranking": "with very little training data, ranking losses such as HR beat weighted ones",
    "mse": "MSE has the lowest Precision@0.5 in most search spaces (MLP predictor: 4.41 "
    "against 9.36 to 24.15 for HR, ListMLE, WARP; Transformer: 8.62 against 29.32 and 38.71)",
    "hybrid": "MSE+SR, optimising two objectives at once, is below the single losses",
    "backbone": "P@0.5: MLP ListMLE 24.15, HR 22.15, WARP 9.36; Transformer WARP 38.71, HR 29.32",
    "weights": "accuracy (ground-truth) weights beat rank-based weights",
    "more_data": "top-K metrics of regression and ranking losses may degrade with more data",
    "piecewise": "the PW loss consistently wins",
    "search": "NB201 test error C10 / C100 / IN-16: PW 5.63 / 26.51 / 52.88, MSE (NPENAS) "
    "5.69 / 26.54 / 53.52, LR (ReNAS) 6.01 / 27.88 / 54.03; NB101: PW 5.80, MSE 5.85, MAPE 5.92",
}
