namespace uoms::cli {
int run(int argc, char** argv);
}

int main(int argc, char** argv)
{
  return uoms::cli::run(argc, argv);
}
